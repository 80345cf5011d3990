#!/usr/bin/env python3
"""Writes data.json: Alertmanager-shaped notification data with N alerts (default 100), as JSON."""
import json
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
alerts = [{
    "Status": "firing" if i % 3 else "resolved",
    "Labels": {"alertname": "HighCPU", "instance": f"host-{i}:9100", "severity": "critical", "job": "node"},
    "Annotations": {"summary": f"CPU high on host-{i}", "description": "CPU usage is above 90% for 5 minutes"},
    "GeneratorURL": "http://prom:9090/graph?g0.expr=up",
    "Fingerprint": f"{i:016x}",
} for i in range(n)]
data = {
    "Receiver": "team-x", "Status": "firing", "Alerts": alerts,
    "GroupLabels": {"alertname": "HighCPU"},
    "CommonLabels": {"alertname": "HighCPU", "severity": "critical", "job": "node"},
    "ExternalURL": "http://am:9093",
}
json.dump(data, open("data.json", "w"))
