#!/usr/bin/env bash
# Side by side: the nginx-to-Slack tutorial (examples/nginx-slack) in klaxon and in the real
# pipeline, on the same access log.
#
# `klaxon demo` writes one nginx access log (failing 6 requests in 10 for a while, then
# healthy). `klaxon run` reads it with its `log_metrics` and notifies through its embedded
# Alertmanager; Debian's Prometheus 2.42 scrapes a tiny python log exporter of the same
# counters (`nginx_http_response_count_total{method,status}`, the target relabelled to the
# same labels) and notifies through Debian's Alertmanager 0.25. Both use the tutorial's own
# rules.yml, alertmanager.yml and slack.tmpl (the `klaxon:` block removed for Prometheus), with
# the intervals shortened alike, and post to one mock Slack (different paths). The script then
# compares, per alert: the sequence of FIRING/RESOLVED messages, the Slack fields, the text
# with the numbers masked (the two scrape at their own moments, so counts may differ by a few),
# and the times of the first FIRING and of RESOLVED, which must agree within one evaluation
# interval plus one group_interval tick (each Alertmanager flushes on its own timer).
#
# Installs prometheus, prometheus-alertmanager, python3 and curl with apt-get when missing.
# Usage: scripts/interop/nginx-slack-side-by-side.sh   (KEEP=1 keeps the work dir;
#        KLAXON_BIN=path skips the cargo build; FAIL_FOR=seconds of failing traffic, default 60)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/lib/common.sh"
need_pkg prometheus prometheus
need_pkg prometheus-alertmanager prometheus-alertmanager
need_pkg python3 python3
need_pkg curl curl

FAIL_FOR="${FAIL_FOR:-60}"
EVAL=2           # scrape and evaluation interval (the tutorial: 15s)
GROUP_INTERVAL=5 # the tutorial: 1m

klaxon="${KLAXON_BIN:-}"
if [ -z "$klaxon" ]; then
    (cd "$root" && cargo build -q -p klaxon)
    klaxon="$root/target/debug/klaxon"
fi

start_workdir

fail() {
    echo "FAIL: $*" >&2
    for f in klaxon prometheus alertmanager demo exporter; do
        [ -f "$work/$f.log" ] && { echo "--- $f log (tail) ---" >&2; tail -n 15 "$work/$f.log" >&2; }
    done
    exit 1
}

wait_for() { # seconds command...
    local secs="$1"; shift
    local end=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.5
    done
}

sink_port="$(free_port)"; exporter_port="$(free_port)"; site_port="$(free_port)"
klaxon_port="$(free_port)"; prom_port="$(free_port)"; am_port="$(free_port)"
log="$work/access.log"

# ---------------------------------------------------------------------------------------------
# The mock Slack: every POST as one JSON line {side, at, body}; the path names the side.
cat >"$work/slack.py" <<'PY'
import http.server, json, sys, time
out = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with open(out, "a") as f:
            f.write(json.dumps({"side": self.path.strip("/"), "at": time.time(), "body": body}) + "\n")
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY

# The log exporter for Prometheus: tails the combined-format log from its end and counts lines
# by method and status, as klaxon's log_metrics does.
cat >"$work/exporter.py" <<'PY'
import http.server, os, re, sys, threading, time
path, port = sys.argv[1], int(sys.argv[2])
line_re = re.compile(r'^\S+ - \S+ \[[^\]]*\] "(\S+) [^"]*" (\d{3}) ')
counts, lock = {}, threading.Lock()
def tail():
    existed = os.path.exists(path)  # as klaxon's read_from: end; a file that appears later is read whole
    while not os.path.exists(path): time.sleep(0.05)
    f = open(path); buf = ""
    if existed: f.seek(0, 2)
    while True:
        chunk = f.read()
        if not chunk: time.sleep(0.05); continue
        buf += chunk
        *lines, buf = buf.split("\n")
        with lock:
            for l in lines:
                m = line_re.match(l)
                if m: counts[m.groups()] = counts.get(m.groups(), 0) + 1
threading.Thread(target=tail, daemon=True).start()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with lock:
            rows = "".join('nginx_http_response_count_total{method="%s",status="%s"} %d\n' % (m, s, n)
                           for (m, s), n in sorted(counts.items()))
        body = ("# TYPE nginx_http_response_count_total counter\n" + rows).encode()
        self.send_response(200); self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY

# ---------------------------------------------------------------------------------------------
# The tutorial's files, twice, intervals shortened alike.
for side in klaxon upstream; do
    cp -r "$root/examples/nginx-slack" "$work/$side"
    sed -i -e "s/scrape_interval: 15s/scrape_interval: ${EVAL}s/" \
        -e "s/evaluation_interval: 15s/evaluation_interval: ${EVAL}s/" "$work/$side/prometheus.yml"
    sed -i -e 's/\[1m\]/[20s]/g' -e 's/for: 1m/for: 10s/' "$work/$side/rules.yml"
    sed -i -e 's/group_wait: 10s/group_wait: 2s/' -e "s/group_interval: 1m/group_interval: ${GROUP_INTERVAL}s/" \
        -e 's/repeat_interval: 1m55s/repeat_interval: 14s/' \
        -e "s#http://127.0.0.1:9095/#http://127.0.0.1:$sink_port/$side#" "$work/$side/alertmanager.yml"
    grep -q "127.0.0.1:$sink_port/$side" "$work/$side/alertmanager.yml" || fail "$side: no sink URL to replace"
done
sed -i -e "s#'../../data/demo/access.log'#'$log'#" -e "s/'localhost:9090'/'127.0.0.1:$klaxon_port'/" \
    "$work/klaxon/prometheus.yml"
grep -q "$log" "$work/klaxon/prometheus.yml" || fail "no access log path to replace in prometheus.yml"
# Prometheus: no `klaxon:` block (the last one in the file); the exporter as job nginx with
# the labels klaxon's log job gets (instance="localhost", service="web"); our Alertmanager.
python3 - "$work/upstream/prometheus.yml" "$exporter_port" "$prom_port" "$am_port" <<'PY'
import sys
path, exporter, prom, am = sys.argv[1:]
text = open(path).read()
text = text[:text.index("\nklaxon:")] + "\n"
text = text.replace("'localhost:9090'", "'127.0.0.1:%s'" % prom)
text += """  - job_name: nginx
    static_configs:
      - targets: ['127.0.0.1:%s']
        labels:
          service: web
    relabel_configs:
      - target_label: instance
        replacement: localhost
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:%s']
""" % (exporter, am)
open(path, "w").write(text)
PY

# ---------------------------------------------------------------------------------------------
python3 "$work/slack.py" "$sink_port" "$work/slack.jsonl" >"$work/slack.log" 2>&1 &
pids+=($!)
python3 "$work/exporter.py" "$log" "$exporter_port" >"$work/exporter.log" 2>&1 &
pids+=($!); exporter_pid=$!
prometheus-alertmanager --config.file "$work/upstream/alertmanager.yml" --storage.path "$work/am" \
    --web.listen-address "127.0.0.1:$am_port" --cluster.listen-address= >"$work/alertmanager.log" 2>&1 &
pids+=($!); am_pid=$!
prometheus --config.file "$work/upstream/prometheus.yml" --storage.tsdb.path "$work/prom" \
    --web.listen-address "127.0.0.1:$prom_port" --rules.alert.resend-delay=1s >"$work/prometheus.log" 2>&1 &
pids+=($!); prom_pid=$!
"$klaxon" run --config.file "$work/klaxon/prometheus.yml" --alertmanager.config.file "$work/klaxon/alertmanager.yml" \
    --storage.tsdb.path "$work/klaxon-data" --web.listen-address "127.0.0.1:$klaxon_port" \
    --alertmanager.web.listen-address 127.0.0.1:0 --rules.alert.resend-delay=1s >"$work/klaxon.log" 2>&1 &
pids+=($!); klaxon_pid=$!
wait_for 30 curl -sf "http://127.0.0.1:$prom_port/-/ready" || fail "Prometheus did not start"
wait_for 30 curl -sf "http://127.0.0.1:$am_port/-/ready" || fail "Alertmanager did not start"
wait_for 30 curl -sf "http://127.0.0.1:$klaxon_port/-/ready" || fail "klaxon run did not start"
# The traffic starts once both sides are up, so neither gets a head start; the log file
# appears then and both read it from its beginning.
sleep $((2 * EVAL))
start=$(date +%s.%N)
"$klaxon" demo --web.listen-address "127.0.0.1:$site_port" --slack.listen-address "" \
    --access-log.file "$log" --traffic.rate 10 --traffic.failing-for "${FAIL_FOR}s" \
    --color never >"$work/demo.log" 2>&1 &
pids+=($!)
echo "all up; failing traffic for ${FAIL_FOR}s, then healthy; waiting for both sides to resolve..." >&2

resolved_both() { # two alerts, two sides
    local n
    n="$(grep -c '"title": "\[RESOLVED\]' "$work/slack.jsonl" 2>/dev/null)" || n=0
    [ "$n" -ge 4 ]
}
wait_for $((FAIL_FOR + 150)) resolved_both || fail "not every alert resolved on both sides: $(cat "$work/slack.jsonl" 2>/dev/null)"
sleep $((GROUP_INTERVAL + 2))

# Resource use over the run: resident memory now and CPU seconds used, per process.
usage() { # name pid
    awk -v name="$1" -v hz="$(getconf CLK_TCK)" '
        FILENAME ~ /status$/ && /^VmRSS:/ { rss = $2 }
        FILENAME ~ /stat$/ { cpu = ($14 + $15) / hz }
        END { printf "%-32s RSS %6.1f MB  CPU %6.2f s\n", name, rss / 1024, cpu }' \
        "/proc/$2/status" "/proc/$2/stat"
}
{
    echo "resources at the end of the run (klaxon binary: $klaxon):"
    usage "klaxon run" "$klaxon_pid"
    usage "prometheus 2.42" "$prom_pid"
    usage "alertmanager 0.25" "$am_pid"
    usage "log exporter (python stand-in)" "$exporter_pid"
} >"$work/resources.txt" 2>/dev/null || true

# ---------------------------------------------------------------------------------------------
python3 - "$work/slack.jsonl" "$start" "$EVAL" "$GROUP_INTERVAL" <<'PY'
import json, re, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
start, ev, gi = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
tolerance = ev + gi
def key(p):
    a = p["body"]["attachments"][0]
    m = re.match(r"\[(FIRING|RESOLVED)[^\]]*\] (\S+)", a.get("title", ""))
    return (m.group(2), m.group(1)) if m else ("?", "?")
def shape(p):
    b = p["body"]; a = b["attachments"][0]
    mask = lambda s: re.sub(r"\d+(\.\d+)?", "N", s)
    return {"channel": b.get("channel"), "username": b.get("username"), "keys": sorted(a),
            "color": a.get("color"), "title": a.get("title"), "text": mask(a.get("text", ""))}
sides = {s: [p for p in posts if p["side"] == s] for s in ("klaxon", "upstream")}
problems, report = [], []
alerts = sorted({key(p)[0] for p in posts})
for alert in alerts:
    seq = {s: [p for p in ps if key(p)[0] == alert] for s, ps in sides.items()}
    statuses = {s: [key(p)[1] for p in ps] for s, ps in seq.items()}
    firing = {s: st.count("FIRING") for s, st in statuses.items()}
    for s, st in statuses.items():
        if not st or st != ["FIRING"] * firing[s] + ["RESOLVED"]:
            problems.append("%s: %s sent %s, want FIRING (repeated), then RESOLVED" % (alert, s, st))
    # Repeats follow repeat_interval from each side's first FIRING, so one more or less is
    # timing, not behaviour.
    if abs(firing["klaxon"] - firing["upstream"]) > 1:
        problems.append("%s: %d FIRING messages from klaxon, %d from upstream" % (alert, firing["klaxon"], firing["upstream"]))
    pairs = [(k, u) for k in seq["klaxon"] for u in seq["upstream"][:1] if key(k)[1] == "FIRING"]
    pairs += [(k, u) for k in seq["klaxon"] for u in seq["upstream"] if key(k)[1] == key(u)[1] == "RESOLVED"]
    for k, u in pairs:
        sk, su = shape(k), shape(u)
        for f in sk:
            if sk[f] != su[f]:
                problems.append("%s %s: %s differs: klaxon %r, upstream %r" % (alert, key(k)[1], f, sk[f], su[f]))
    exact = sum(1 for k, u in zip(seq["klaxon"], seq["upstream"])
                if k["body"]["attachments"][0]["text"] == u["body"]["attachments"][0]["text"])
    for status in ("FIRING", "RESOLVED"):
        t = {s: next((p["at"] - start for p in ps if key(p)[1] == status), None) for s, ps in seq.items()}
        if None in t.values():
            problems.append("%s: no %s on %s" % (alert, status, [s for s, v in t.items() if v is None]))
            continue
        d = t["klaxon"] - t["upstream"]
        report.append("%-24s first %-8s klaxon %6.1fs  upstream %6.1fs  (%+.1fs)" % (alert, status, t["klaxon"], t["upstream"], d))
        if abs(d) > tolerance:
            problems.append("%s: %s %.1fs apart (more than %.0fs)" % (alert, status, d, tolerance))
    report.append("%-24s messages: klaxon %d, upstream %d; text identical in %d of the pairs in order"
                  % (alert, len(seq["klaxon"]), len(seq["upstream"]), exact))
print("\n".join(report))
if not alerts:
    problems.append("no notification at all")
if problems:
    print("\n".join("DIFF: " + p for p in problems)); sys.exit(1)
print("ok: klaxon and Prometheus 2.42 + Alertmanager 0.25 sent the same Slack messages (%d alerts)" % len(alerts))
PY
cat "$work/resources.txt"
