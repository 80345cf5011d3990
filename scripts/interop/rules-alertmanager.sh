#!/usr/bin/env bash
# Interop: klaxon's rules deliver the same notifications as Prometheus' through a real
# Alertmanager.
#
# Debian's Prometheus 2.42 and `klaxon run` scrape the same targets (a tiny python exporter of
# nginx-like request counters, plus a port nobody listens on) and evaluate the same rule file
# (the tutorial's nginx 4xx+5xx count and failure-ratio alerts, InstanceDown). Each pushes its
# alerts to its own Debian Alertmanager 0.25, whose webhook receiver records every
# notification to a file. The exporter fails for a while, then recovers; the script then
# compares what the two Alertmanagers delivered: the alert names, their labels and, per alert,
# the sequence of statuses (firing, then resolved). Times and group keys are not compared
# (the two servers evaluate at their own slots).
#
# Installs `prometheus`, `prometheus-alertmanager` and `curl` with apt-get when missing.
# Idempotent; every process it starts is stopped by the EXIT trap.
#
# Usage: scripts/interop/rules-alertmanager.sh   (KEEP=1 keeps the work dir; KLAXON_BIN=path
#        skips the cargo build; FAIL_FOR=seconds of failing traffic, default 40)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/lib/common.sh"
need_pkg prometheus prometheus
need_pkg prometheus-alertmanager prometheus-alertmanager
need_pkg python3 python3
need_pkg curl curl
echo "prometheus: $(prometheus --version 2>&1 | head -1)" >&2
echo "alertmanager: $(prometheus-alertmanager --version 2>&1 | head -1)" >&2

FAIL_FOR="${FAIL_FOR:-40}"

klaxon="${KLAXON_BIN:-}"
if [ -z "$klaxon" ]; then
    (cd "$root" && cargo build -q -p klaxon)
    klaxon="$root/target/debug/klaxon"
fi

start_workdir

fail() {
    echo "FAIL: $*" >&2
    for f in klaxon prometheus am-prom am-klaxon; do
        [ -f "$work/$f.log" ] && { echo "--- $f log (tail) ---" >&2; tail -n 15 "$work/$f.log" >&2; }
    done
    exit 1
}
pass() { echo "ok: $*"; }

wait_for() { # seconds command...
    local secs="$1"; shift
    local end=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.5
    done
}

# ---------------------------------------------------------------------------------------------
# The exporter: counters advance with wall time (so both scrapers see the same numbers), 25
# failures a second while "$work/phase" says fail, only successes otherwise.
cat >"$work/exporter.py" <<'PY'
import http.server, sys, time
phase_file, port_file = sys.argv[1], sys.argv[2]
state = {"t": time.time(), "ok": 0.0, "err": 0.0}
def advance():
    now = time.time(); dt = now - state["t"]; state["t"] = now
    failing = open(phase_file).read().strip() == "fail"
    state["ok"] += dt * (5 if failing else 25)
    state["err"] += dt * (25 if failing else 0)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        advance()
        body = ("# TYPE nginx_http_requests_total counter\n"
                'nginx_http_requests_total{status="200"} %d\n'
                'nginx_http_requests_total{status="502"} %d\n' % (state["ok"], state["err"])).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(port_file, "w") as f: f.write(str(srv.server_address[1]))
srv.serve_forever()
PY
cat >"$work/webhook.py" <<'PY'
# Records each POSTed webhook payload as one JSON line in the file named by argv[2].
import http.server, json, sys
out = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "a") as f:
            f.write(json.dumps(json.loads(body)) + "\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1], "w") as f: f.write(str(srv.server_address[1]))
srv.serve_forever()
PY

echo fail >"$work/phase"
python3 "$work/exporter.py" "$work/phase" "$work/exporter.port" &
pids+=($!)
wait_for 10 test -s "$work/exporter.port" || fail "exporter did not start"
exporter="127.0.0.1:$(cat "$work/exporter.port")"
down_port=$(free_port)

# ---------------------------------------------------------------------------------------------
# One Alertmanager (and webhook recorder) per server.
for who in prom klaxon; do
    : >"$work/notifications-$who.jsonl"
    python3 "$work/webhook.py" "$work/webhook-$who.port" "$work/notifications-$who.jsonl" &
    pids+=($!)
    wait_for 10 test -s "$work/webhook-$who.port" || fail "webhook recorder ($who) did not start"
    port=$(free_port)
    cat >"$work/am-$who.yml" <<EOF
route:
  receiver: hook
  group_by: [alertname, instance]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: 'http://127.0.0.1:$(cat "$work/webhook-$who.port")/'
    send_resolved: true
EOF
    prometheus-alertmanager --config.file="$work/am-$who.yml" --storage.path="$work/am-$who-data" \
        --web.listen-address="127.0.0.1:$port" --cluster.listen-address= \
        >"$work/am-$who.log" 2>&1 &
    pids+=($!)
    wait_for 30 curl -fsS "http://127.0.0.1:$port/-/ready" || fail "alertmanager for $who not ready"
    declare "am_port_$who=$port"
done
pass "two Alertmanager 0.25 instances up"

# ---------------------------------------------------------------------------------------------
# The same rules and scrape config for both; only the Alertmanager differs.
cat >"$work/rules.yml" <<'EOF'
groups:
  - name: nginx
    rules:
      - record: instance:nginx_http_errors:increase30s
        expr: sum by (instance) (increase(nginx_http_requests_total{status=~"[45].."}[30s]))
      - alert: NginxManyErrors
        expr: instance:nginx_http_errors:increase30s >= 10
        for: 6s
        labels:
          severity: warning
          team: web
        annotations:
          summary: 'many failed requests on {{ $labels.instance }}'
      - alert: NginxHighFailureRatio
        expr: |
          sum by (instance) (rate(nginx_http_requests_total{status=~"[45].."}[30s]))
            / sum by (instance) (rate(nginx_http_requests_total[30s])) >= 0.5
        for: 6s
        labels:
          severity: page
          team: web
        annotations:
          summary: 'failure ratio {{ $value | humanizePercentage }} on {{ $labels.instance }}'
  - name: availability
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 6s
        labels:
          severity: page
        annotations:
          summary: '{{ $labels.job }} target {{ $labels.instance }} is down'
EOF
for who in prom klaxon; do
    am_port_var="am_port_$who"
    cat >"$work/prometheus-$who.yml" <<EOF
global:
  scrape_interval: 2s
  scrape_timeout: 1s
  evaluation_interval: 2s
rule_files: ['rules.yml']
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:${!am_port_var}']
scrape_configs:
  - job_name: nginx
    static_configs:
      - targets: ['$exporter']
  - job_name: gone
    static_configs:
      - targets: ['127.0.0.1:$down_port']
EOF
done

prom_port=$(free_port)
prometheus --config.file="$work/prometheus-prom.yml" --storage.tsdb.path="$work/prom-data" \
    --web.listen-address="127.0.0.1:$prom_port" --rules.alert.resend-delay=2s \
    >"$work/prometheus.log" 2>&1 &
pids+=($!)
klaxon_port=$(free_port)
"$klaxon" run --config.file="$work/prometheus-klaxon.yml" --storage.tsdb.path="$work/klaxon-data" \
    --web.listen-address="127.0.0.1:$klaxon_port" --rules.alert.resend-delay=2s \
    >"$work/klaxon.log" 2>&1 &
pids+=($!)
wait_for 30 curl -fsS "http://127.0.0.1:$prom_port/-/ready" || fail "prometheus not ready"
wait_for 30 curl -fsS "http://127.0.0.1:$klaxon_port/-/ready" || fail "klaxon not ready"
pass "prometheus 2.42 and klaxon run evaluating the same rules"

# ---------------------------------------------------------------------------------------------
# Fail, then recover; wait until both Alertmanagers delivered the resolves.
notified() { # who alertname status
    python3 - "$work/notifications-$1.jsonl" "$2" "$3" <<'PY'
import json, sys
path, name, status = sys.argv[1:4]
for line in open(path):
    if any(a["labels"].get("alertname") == name and a["status"] == status
           for a in json.loads(line)["alerts"]):
        sys.exit(0)
sys.exit(1)
PY
}
echo "failing traffic for ${FAIL_FOR}s..." >&2
sleep "$FAIL_FOR"
for who in prom klaxon; do
    for a in NginxManyErrors NginxHighFailureRatio InstanceDown; do
        wait_for 60 notified "$who" "$a" firing || fail "$who: no notification for $a"
    done
done
pass "all three alerts notified by both"
echo ok >"$work/phase"
echo "healthy traffic; waiting for the resolves..." >&2
for who in prom klaxon; do
    for a in NginxManyErrors NginxHighFailureRatio; do
        wait_for 180 notified "$who" "$a" resolved || fail "$who: no resolved notification for $a"
    done
done
pass "both nginx alerts resolved by both"
# Let trailing notifications (InstanceDown repeats are an hour away) settle.
sleep 5

# ---------------------------------------------------------------------------------------------
# Compare: per alert (labels), the sequence of statuses delivered, consecutive repeats folded.
summary() {
    python3 - "$work/notifications-$1.jsonl" <<'PY'
import json, sys
seq = {}
for line in open(sys.argv[1]):
    n = json.loads(line)
    for a in n["alerts"]:
        key = json.dumps(a["labels"], sort_keys=True)
        s = seq.setdefault(key, [])
        if not s or s[-1] != a["status"]:
            s.append(a["status"])
for key in sorted(seq):
    print(key, " -> ".join(seq[key]))
PY
}
summary prom >"$work/summary-prom.txt"
summary klaxon >"$work/summary-klaxon.txt"
echo "--- Prometheus 2.42 via Alertmanager 0.25 ---"; cat "$work/summary-prom.txt"
echo "--- klaxon via Alertmanager 0.25 ---"; cat "$work/summary-klaxon.txt"
if ! diff -u "$work/summary-prom.txt" "$work/summary-klaxon.txt"; then
    fail "the notifications differ (above: - prometheus, + klaxon)"
fi
pass "same alerts, labels and status sequences"
