#!/usr/bin/env bash
# Scrape differential: Debian's Prometheus (2.42) and `klaxon run` scrape the same targets with
# the same prometheus.yml, side by side, and must store the same series with the same values.
#
# Targets: Debian's real `prometheus-node-exporter`, `nginx` with `stub_status` behind Debian's
# `prometheus-nginx-exporter`, and two fixed expositions of our own (Prometheus text and
# OpenMetrics: histograms, summaries, escapes, NaN/Inf, explicit timestamps, labels that collide
# with target labels, exemplars, `_created`, info, stateset, units). The config exercises
# static labels, target relabelling and metric relabelling (drop).
#
# Compared after both have scraped for a while:
#   1. per job, the set of series (label sets) each server has in the last 10 s;
#   2. per job, `up` and `scrape_samples_scraped` / `scrape_samples_post_metric_relabeling`;
#   3. every value of the fixed expositions (equal), and values of the real exporters that do not
#      move (node_memory_MemTotal_bytes, node_uname_info, nginx_up).
# Explained differences, handled in the comparison and nowhere else:
#   - Prometheus 3 (and klaxon) rewrite `le` and `quantile` label values in float form (`1` ->
#     `1.0`); 2.42 keeps them as exposed. Both sides are normalised before comparing.
#   - Series of the node exporter that only exist in some scrapes (none expected; listed if seen).
#
# Usage: scripts/interop/scrape-differential.sh   (KEEP=1 keeps the work dir; KLAXON_BIN=path
#        skips the cargo build; SCRAPE_SECONDS=25 sets how long both scrape)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/lib/common.sh"
need_pkg prometheus prometheus
need_pkg prometheus-node-exporter prometheus-node-exporter
need_pkg nginx nginx
need_pkg prometheus-nginx-exporter prometheus-nginx-exporter
need_pkg python3 python3
need_pkg curl curl

klaxon="${KLAXON_BIN:-}"
if [ -z "$klaxon" ]; then
    (cd "$root" && cargo build -q -p klaxon)
    klaxon="$root/target/debug/klaxon"
fi
start_workdir

fail() {
    echo "FAIL: $*" >&2
    for f in klaxon.log prometheus.log; do
        [ -f "$work/$f" ] && { echo "--- $f (tail) ---" >&2; tail -n 20 "$work/$f" >&2; }
    done
    exit 1
}
wait_http() { # url seconds
    local end=$((SECONDS + $2))
    until curl -sf -o /dev/null "$1"; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.2
    done
}

node_port=$(free_port); nginx_port=$(free_port); ngx_exp_port=$(free_port)
text_port=$(free_port); om_port=$(free_port); prom_port=$(free_port); klaxon_port=$(free_port)

# --- targets -----------------------------------------------------------------------------------
prometheus-node-exporter --web.listen-address="127.0.0.1:$node_port" > "$work/node.log" 2>&1 &
pids+=($!)

mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<NGX
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        location /stub_status { stub_status; }
        location / { return 200 "ok\n"; }
    }
}
NGX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" > "$work/nginx.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$nginx_port/stub_status" 10 || fail "nginx did not start"
prometheus-nginx-exporter -nginx.scrape-uri="http://127.0.0.1:$nginx_port/stub_status" \
    -web.listen-address="127.0.0.1:$ngx_exp_port" > "$work/nginx-exporter.log" 2>&1 &
pids+=($!)

python3 - "$text_port" "$om_port" > "$work/fixed.log" 2>&1 <<'PY' &
import http.server, socketserver, sys, threading, time

def text_body():
    # An explicit timestamp that changes every 10 s, so both servers can store it.
    ts = int(time.time()) // 10 * 10 * 1000
    return f"""# HELP app_requests_total Requests handled.
# TYPE app_requests_total counter
app_requests_total{{method="GET",code="200"}} 1027
app_requests_total{{method="POST",code="500",instance="inner:1",job="inner"}} 3
# TYPE app_temperature_celsius gauge
app_temperature_celsius 21.5
app_with_timestamp 5 {ts}
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{{quantile="0.5"}} 0.05
rpc_duration_seconds{{quantile="0.99"}} 0.2
rpc_duration_seconds_sum 17
rpc_duration_seconds_count 100
# TYPE http_latency_seconds histogram
http_latency_seconds_bucket{{le="0.1"}} 5
http_latency_seconds_bucket{{le="1"}} 9
http_latency_seconds_bucket{{le="+Inf"}} 10
http_latency_seconds_sum 3.2
http_latency_seconds_count 10
untyped_metric 1e3
nan_metric NaN
inf_metric +Inf
neg_inf_metric -Inf
tiny_metric 1.5e-300
escaped_labels{{path="a\\\\b\\"c\\nd"}} 1
dropped_by_relabel 7
""".encode()

OM = b"""# TYPE om_requests counter
# HELP om_requests Requests.
om_requests_total{code="200"} 5 # {trace_id="abc"} 1.0 1712000000.1
om_requests_created{code="200"} 1712000000
# TYPE om_build info
om_build_info{version="1.2"} 1
# TYPE om_state stateset
om_state{om_state="a"} 1
om_state{om_state="b"} 0
# TYPE om_size_bytes gauge
# UNIT om_size_bytes bytes
om_size_bytes 10
# TYPE om_latency_seconds histogram
om_latency_seconds_bucket{le="0.5"} 1
om_latency_seconds_bucket{le="+Inf"} 2
om_latency_seconds_sum 0.9
om_latency_seconds_count 2
# EOF
"""

def serve(port, body, ctype):
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            b = body()
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)
        def log_message(self, *a):
            pass
    class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
    S(("127.0.0.1", port), H).serve_forever()

threading.Thread(target=serve, args=(int(sys.argv[1]), text_body, "text/plain; version=0.0.4; charset=utf-8"), daemon=True).start()
threading.Thread(target=serve, args=(int(sys.argv[2]), lambda: OM, "application/openmetrics-text; version=1.0.0; charset=utf-8"), daemon=True).start()
while True:
    time.sleep(3600)
PY
pids+=($!)

for u in "http://127.0.0.1:$node_port/metrics" "http://127.0.0.1:$ngx_exp_port/metrics" \
    "http://127.0.0.1:$text_port/metrics" "http://127.0.0.1:$om_port/metrics"; do
    wait_http "$u" 15 || fail "target $u did not come up"
done

cat > "$work/prometheus.yml" <<YML
global:
  scrape_interval: 2s
  scrape_timeout: 2s
  external_labels:
    site: diff
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ["127.0.0.1:$node_port"]
  - job_name: nginx
    static_configs:
      - targets: ["127.0.0.1:$ngx_exp_port"]
        labels: {tier: web}
  - job_name: fixed-text
    static_configs:
      - targets: ["127.0.0.1:$text_port"]
        labels: {team: a}
    relabel_configs:
      - source_labels: [__address__]
        regex: '127\.0\.0\.1:(\d+)'
        target_label: port
        replacement: 'p\$1'
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: dropped_by_relabel
        action: drop
  - job_name: fixed-om
    static_configs:
      - targets: ["127.0.0.1:$om_port"]
YML

prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
    --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
pids+=($!)
"$klaxon" run --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/klaxon-data" \
    --web.listen-address="127.0.0.1:$klaxon_port" > "$work/klaxon.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready" 30 || fail "prometheus did not start"
wait_http "http://127.0.0.1:$klaxon_port/-/ready" 30 || fail "klaxon did not start"

secs="${SCRAPE_SECONDS:-25}"
echo "both servers scrape for ${secs}s..." >&2
sleep "$secs"

python3 - "$prom_port" "$klaxon_port" <<'PY' || fail "the stores differ"
import json, math, sys, time, urllib.parse, urllib.request

prom, klax = (f"http://127.0.0.1:{p}" for p in sys.argv[1:3])
now = time.time()

def get(base, path, **params):
    q = urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(f"{base}{path}?{q}", timeout=30) as r:
        body = json.load(r)
    assert body["status"] == "success", body
    return body["data"]

def norm_value(name, v):
    if name not in ("le", "quantile"):
        return v
    try:
        f = float(v)
    except ValueError:
        return v
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    s = repr(f)
    return s

def key(labels):
    return tuple(sorted((k, norm_value(k, v)) for k, v in labels.items()))

bad = 0
for job in ["node", "nginx", "fixed-text", "fixed-om"]:
    sets = []
    for base in (prom, klax):
        data = get(base, "/api/v1/series", **{"match[]": f'{{job="{job}"}}', "start": now - 10, "end": now})
        sets.append({key(s) for s in data})
    only_p, only_k = sets[0] - sets[1], sets[1] - sets[0]
    print(f"{job}: {len(sets[0])} series in Prometheus, {len(sets[1])} in klaxon, "
          f"{len(only_p)} only in Prometheus, {len(only_k)} only in klaxon")
    for s in sorted(only_p)[:10]:
        print("  only Prometheus:", dict(s))
    for s in sorted(only_k)[:10]:
        print("  only klaxon:    ", dict(s))
    bad += len(only_p) + len(only_k)

def instant(base, q):
    data = get(base, "/api/v1/query", query=q, time=now)
    return {key(r["metric"]): r["value"][1] for r in data["result"]}

checks = [
    'up', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling',
    '{job=~"fixed-.*",__name__!~"scrape_.*|up"}',
    'node_memory_MemTotal_bytes', 'node_uname_info', 'nginx_up',
]
for q in checks:
    a, b = instant(prom, q), instant(klax, q)
    if a != b:
        bad += 1
        print(f"values differ for {q}:")
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                print(f"  {dict(k)}: Prometheus {a.get(k)} klaxon {b.get(k)}")
    else:
        print(f"ok: {q} ({len(a)} series, same values)")
sys.exit(1 if bad else 0)
PY
echo "ok: Prometheus 2.42 and klaxon stored the same series and values"
