#!/usr/bin/env bash
# Side-by-side rule evaluation benchmark: Debian's Prometheus (2.42) and `klaxon run` scrape the
# same synthetic targets and evaluate the same generated rule files (RULES rules in RULE_GROUPS
# groups: recording rules over rates, histogram quantiles, alerting rules with `for`), and the
# script reports for each:
#   - evaluation time per group cycle: every interval, both /metrics are read and
#     `prometheus_rule_group_last_duration_seconds` is summed over the groups (the wall time
#     one round of all groups takes, if run back to back); mean, median and max over the run,
#     after a warm-up of three intervals;
#   - CPU seconds of the process over the measured window (scraping included, the same work
#     on both), from /proc/<pid>/stat, and the same per evaluation cycle.
#
# Defaults: 10 targets x 10,000 series = 100k series, 1,000 rules in 10 groups, interval 15 s,
# 300 s run. Smoke it with small numbers:
#   TARGETS=2 SERIES=500 RULES=20 RULE_GROUPS=2 INTERVAL=2s DURATION=20 scripts/bench/rules-side-by-side.sh
#
# The load average is printed before and after the measured window: other work on the machine
# slows both servers alike, so compare the ratio when the machine is busy.
#
# Usage: scripts/bench/rules-side-by-side.sh
#   env: TARGETS SERIES RULES RULE_GROUPS INTERVAL DURATION KLAXON_BIN=path KEEP=1
#        PERF_OUT=file: also `perf record $PERF_ARGS` klaxon over the measured window (its
#        numbers then include perf's overhead; for finding hot spots, not for the table);
#        PERF_ARGS defaults to `-F 499 --call-graph dwarf` (Rust release code has no frame
#        pointers)
# Installs `prometheus` with apt-get when missing. Builds klaxon in release mode unless
# KLAXON_BIN is given. Run it on a quiet machine: both servers share the cores with the exporter.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/lib/common.sh"
need_pkg prometheus prometheus
need_pkg python3 python3
need_pkg curl curl

TARGETS="${TARGETS:-10}"
SERIES="${SERIES:-10000}"
RULES="${RULES:-1000}"
RULE_GROUPS="${RULE_GROUPS:-10}"
INTERVAL="${INTERVAL:-15s}"
DURATION="${DURATION:-300}"
interval_s="${INTERVAL%s}"

klaxon="${KLAXON_BIN:-}"
if [ -z "$klaxon" ]; then
    (cd "$root" && cargo build -q --release -p klaxon)
    klaxon="$root/target/release/klaxon"
fi

start_workdir
exporter_port=$(free_port)
exporter_port=$(( (exporter_port % 20000) + 30000 ))
python3 "$root/scripts/lib/synthetic_exporter.py" --port "$exporter_port" --targets "$TARGETS" \
    --series "$SERIES" --step "$interval_s" > "$work/exporter.log" 2>&1 &
pids+=($!)

targets=""
for ((i = 0; i < TARGETS; i++)); do targets="$targets\"127.0.0.1:$((exporter_port + i))\","; done
cat > "$work/prometheus.yml" <<YML
global:
  scrape_interval: $INTERVAL
  scrape_timeout: $(( interval_s < 10 ? interval_s : 10 ))s
  evaluation_interval: $INTERVAL
rule_files: ['rules.yml']
scrape_configs:
  - job_name: synth
    static_configs:
      - targets: [${targets%,}]
YML

# The rules: five kinds in turn, each selecting a slice of the synthetic series (the names
# and label values synthetic_exporter.py serves), so together they cover every family.
python3 - "$RULES" "$RULE_GROUPS" "$SERIES" > "$work/rules.yml" <<'PY'
import sys
rules, groups, series = (int(a) for a in sys.argv[1:4])
paths = max(1, series * 6 // 10 // 5)
queues = max(1, series * 3 // 10)
handlers = max(1, (series - series * 6 // 10 - series * 3 // 10) // 10)
out = {g: [] for g in range(groups)}
for i in range(rules):
    k = i // 5
    kind = i % 5
    if kind == 0:
        r = ("record: synth:requests:rate1m:%d" % i,
             'expr: sum by (code) (rate(synth_requests_total{path="/p%d"}[1m]))' % (k % paths))
    elif kind == 1:
        r = ("alert: QueueDeep%d" % i,
             'expr: synth_queue_depth{queue="q%d"} > 85' % (k % queues),
             "for: 1m",
             "labels: {severity: warning}",
             "annotations: {summary: 'queue {{ $labels.queue }} at {{ $value }}'}")
    elif kind == 2:
        r = ("record: synth:latency:p90:%d" % i,
             'expr: histogram_quantile(0.9, sum by (le) (rate(synth_latency_seconds_bucket{handler="h%d"}[1m])))' % (k % handlers))
    elif kind == 3:
        r = ("alert: QueuesHigh%d" % i,
             'expr: avg by (instance) (synth_queue_depth{queue=~"q%d[0-9]"}) > 80' % (k % max(1, queues // 10)),
             "for: 30s",
             "labels: {severity: page}")
    else:
        r = ("record: synth:requests:rate5m:%d" % i,
             'expr: sum by (instance) (rate(synth_requests_total{path=~"/p%d|/p%d"}[5m]))' % (k % paths, (k + 1) % paths))
    out[i % groups].append(r)
print("groups:")
for g in range(groups):
    print("  - name: bench-%d" % g)
    print("    rules:")
    for r in out[g]:
        print("      - " + r[0])
        for line in r[1:]:
            print("        " + line)
PY

prom_port=$(free_port)
klaxon_port=$(free_port)
for ((i = 0; i < 50; i++)); do
    curl -sf "http://127.0.0.1:$exporter_port/metrics" >/dev/null && break
    sleep 0.2
done
promtool check rules "$work/rules.yml" >/dev/null || { echo "generated rules invalid" >&2; exit 1; }

prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
    --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
prom_pid=$!
pids+=($prom_pid)
"$klaxon" run --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/klaxon-data" \
    --web.listen-address="127.0.0.1:$klaxon_port" > "$work/klaxon.log" 2>&1 &
klaxon_pid=$!
pids+=($klaxon_pid)

cpu_s() { # pid -> user+system seconds
    python3 -c 'import os,sys; f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")",1)[1].split(); t=os.sysconf("SC_CLK_TCK"); print((int(f[11])+int(f[12]))/t)' "$1"
}
cycle_s() { # port -> sum over groups of prometheus_rule_group_last_duration_seconds
    curl -sf "http://127.0.0.1:$1/metrics" | python3 -c '
import sys
t = 0.0
for line in sys.stdin:
    if line.startswith("prometheus_rule_group_last_duration_seconds"):
        t += float(line.rsplit(" ", 1)[1])
print(t)'
}
alive() {
    for who in prom klaxon; do
        pid=$prom_pid; [ "$who" = klaxon ] && pid=$klaxon_pid
        kill -0 "$pid" 2>/dev/null && continue
        echo "$who died; log tail:" >&2
        tail -20 "$work/$( [ $who = prom ] && echo prometheus || echo klaxon ).log" >&2
        exit 1
    done
}

echo "$RULES rules in $RULE_GROUPS groups over $((TARGETS * SERIES)) series, every $INTERVAL;" \
    "warm-up $((3 * interval_s))s, then ${DURATION}s measured..." >&2
sleep $((3 * interval_s))
alive
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
if [ -n "${PERF_OUT:-}" ]; then
    # shellcheck disable=SC2086 # PERF_ARGS is a list of options
    perf record ${PERF_ARGS:--F 499 --call-graph dwarf} -o "$PERF_OUT" -p "$klaxon_pid" -- sleep "$DURATION" > "$work/perf.log" 2>&1 &
    pids+=($!)
fi
declare -A cpu0=([prom]=$(cpu_s $prom_pid) [klaxon]=$(cpu_s $klaxon_pid))
started=$(date +%s)
: > "$work/cycles-prom"; : > "$work/cycles-klaxon"
while [ $(( $(date +%s) - started )) -lt "$DURATION" ]; do
    alive
    cycle_s "$prom_port" >> "$work/cycles-prom" || true
    cycle_s "$klaxon_port" >> "$work/cycles-klaxon" || true
    sleep "$interval_s"
done
alive
elapsed=$(( $(date +%s) - started ))
declare -A cpu1=([prom]=$(cpu_s $prom_pid) [klaxon]=$(cpu_s $klaxon_pid))
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

printf '%-10s %8s %12s %12s %12s %12s %14s\n' server cycles "mean s" "median s" "max s" "CPU s" "CPU s/cycle"
for who in prom klaxon; do
    python3 - "$who" "$work/cycles-$who" "${cpu0[$who]}" "${cpu1[$who]}" "$elapsed" "$interval_s" <<'PY'
import statistics, sys
who, path, c0, c1, elapsed, interval = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
xs = [float(l) for l in open(path) if l.strip()]
cpu = c1 - c0
cycles = max(1.0, elapsed / interval)
name = "prometheus" if who == "prom" else "klaxon"
if xs:
    print(f"{name:<10} {len(xs):>8} {statistics.mean(xs):>12.4f} {statistics.median(xs):>12.4f} {max(xs):>12.4f} {cpu:>12.2f} {cpu / cycles:>14.4f}")
else:
    print(f"{name:<10} {0:>8} {'-':>12} {'-':>12} {'-':>12} {cpu:>12.2f} {cpu / cycles:>14.4f}")
PY
done
