#!/usr/bin/env bash
# PromQL differential and benchmark: klaxon against Prometheus on the same history.
#
#   1. Generates a few hours of realistic history as an OpenMetrics file
#      (promql-differential/generate.py: counters with resets, gauges, classic histograms, `up`,
#      label churn; 15 s interval; odd-millisecond sample offsets so that no sample lies on a
#      query window's edge).
#   2. Loads it into Prometheus (Debian's 2.42: `promtool tsdb create-blocks-from openmetrics`)
#      and into klaxon (`klaxon tsdb import openmetrics`), timing both imports, then starts
#      `prometheus` and `klaxon run` on that data (loopback ports).
#   3. Sends 500+ instant and range queries (promql-differential/queries.py: every function and
#      operator both versions share, rule-shaped classes, subqueries, offsets, `@`) to both and
#      compares the results (promql-differential/compare.py: same series, values within relative
#      tolerance 1e-6, NaN == NaN). Prints every difference; known, explained differences
#      between Prometheus 2 and 3 semantics are listed in compare.py (EXPLAINED).
#   4. Prints the median latency per query class for each server, and each server's RSS with the
#      data loaded (before any query) and its peak RSS (VmRSS and VmHWM from /proc).
#
# Exit status: 0 when every difference is explained, 1 otherwise, 2 on setup failures.
# Not run in CI (minutes of wall time); run by hand.
#
# Usage: scripts/bench/promql-differential.sh [--series N] [--hours H] [--quick]
#   --series N   series in the history (default 10000)
#   --hours H    hours of history (default 3)
#   --quick      1000 series, 1.5 hours, a third of the queries at one instant
# Env: KLAXON_BIN (skip the release build), KEEP=1 (keep the work dir), REL_TOL, ABS_TOL.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
helpers="$here/promql-differential"
series=10000 hours=3 quick=""
while [ $# -gt 0 ]; do
    case "$1" in
        --series) series="$2"; shift 2 ;;
        --hours) hours="$2"; shift 2 ;;
        --quick) quick=1; series=1000; hours=1.5; shift ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

# ---------------------------------------------------------------------------------------------
# Tools (as scripts/interop/alertmanager.sh installs them).
. "$root/scripts/lib/common.sh"
need_pkg prometheus prometheus
need_pkg promtool prometheus
need_pkg python3 python3
need_pkg curl curl
need_pkg /usr/bin/time time
echo "prometheus: $(prometheus --version 2>&1 | head -1)" >&2

klaxon="${KLAXON_BIN:-}"
if [ -z "$klaxon" ]; then
    (cd "$root" && cargo build -q --release -p klaxon --bin klaxon) || { echo "cargo build failed" >&2; exit 2; }
    klaxon="$root/target/release/klaxon"
fi

start_workdir

now() { date +%s.%N; }
since() { python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now)"; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
wait_ready() { # name url pid log
    for _ in $(seq 1 600); do
        if curl -fsS -o /dev/null "$2" 2>/dev/null; then return 0; fi
        if ! kill -0 "$3" 2>/dev/null; then
            echo "$1 exited during startup; its log:" >&2; tail -n 30 "$4" >&2; exit 2
        fi
        sleep 0.2
    done
    echo "$1 not ready after 120s; its log:" >&2; tail -n 30 "$4" >&2; exit 2
}

# ---------------------------------------------------------------------------------------------
# 1. History and queries.
om="$work/history.om"
t0=$(now)
python3 "$helpers/generate.py" --series "$series" --hours "$hours" "$om"
echo "generated in $(since "$t0")s: $(du -h "$om" | cut -f1)" >&2
python3 "$helpers/queries.py" "$om.meta.json" ${quick:+--quick} >"$work/queries.jsonl"

# ---------------------------------------------------------------------------------------------
# 2. Imports and servers.
cat >"$work/prometheus.yml" <<'YML'
global:
  scrape_interval: 15s
  evaluation_interval: 1m
YML

t0=$(now)
/usr/bin/time -v promtool tsdb create-blocks-from openmetrics "$om" "$work/prom-data" >"$work/promtool.out" 2>"$work/promtool.err" ||
    { echo "promtool import failed:" >&2; cat "$work/promtool.out" "$work/promtool.err" >&2; exit 2; }
prom_import=$(since "$t0")
prom_import_rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/promtool.err")
t0=$(now)
/usr/bin/time -v "$klaxon" tsdb import openmetrics "$om" "$work/klaxon-data" >"$work/klaxon-import.out" 2>"$work/klaxon-import.err" ||
    { echo "klaxon import failed:" >&2; cat "$work/klaxon-import.out" "$work/klaxon-import.err" >&2; exit 2; }
klaxon_import=$(since "$t0")
klaxon_import_rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/klaxon-import.err")
tail -n 1 "$work/klaxon-import.out" >&2

prom_port=$(free_port)
prometheus --config.file "$work/prometheus.yml" --storage.tsdb.path "$work/prom-data" \
    --storage.tsdb.retention.time 10y --web.listen-address "127.0.0.1:$prom_port" \
    >"$work/prometheus.log" 2>&1 &
prom_pid=$!; pids+=("$prom_pid")
klaxon_port=$(free_port) am_port=$(free_port)
"$klaxon" run --config.file "$work/prometheus.yml" --storage.tsdb.path "$work/klaxon-data" \
    --storage.tsdb.retention.time 10y --web.listen-address "127.0.0.1:$klaxon_port" \
    --alertmanager.web.listen-address "127.0.0.1:$am_port" >"$work/klaxon.log" 2>&1 &
klaxon_pid=$!; pids+=("$klaxon_pid")
wait_ready prometheus "http://127.0.0.1:$prom_port/-/ready" "$prom_pid" "$work/prometheus.log"
wait_ready klaxon "http://127.0.0.1:$klaxon_port/api/v1/query?query=1" "$klaxon_pid" "$work/klaxon.log"

# Both must see the same series before any comparison means anything.
count() { curl -fsS "http://127.0.0.1:$1/api/v1/query" --data-urlencode 'query=count({__name__=~".+"} @ end())' \
    --data-urlencode "time=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end_ms"]/1000)' "$om.meta.json")" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)'; }
prom_series=$(count "$prom_port") klaxon_series=$(count "$klaxon_port")
# Memory holding the data, before the query load adds its peaks.
prom_loaded_rss=$(rss_mb "$prom_pid") klaxon_loaded_rss=$(rss_mb "$klaxon_pid")
echo "series visible at the end: prometheus $prom_series, klaxon $klaxon_series" >&2

# ---------------------------------------------------------------------------------------------
# 3 and 4. Compare and measure.
status=0
if [ "$prom_series" != "$klaxon_series" ]; then
    echo "DIFF the imports hold different series: prometheus $prom_series, klaxon $klaxon_series"
    status=1
fi
python3 "$helpers/compare.py" "$work/queries.jsonl" "http://127.0.0.1:$prom_port" "http://127.0.0.1:$klaxon_port" \
    --rel-tol "${REL_TOL:-1e-6}" --abs-tol "${ABS_TOL:-1e-9}" | tee "$work/compare.out" || status=1

echo
echo "history: $(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("%d series, %d samples" % (m["series"], m["samples"]))' "$om.meta.json"), ${hours}h at 15s"
printf '%-12s %12s %16s %18s %24s\n' "server" "import (s)" "import RSS (MB)" "loaded RSS (MB)" "peak RSS serving (MB)"
printf '%-12s %12s %16s %18s %24s\n' prometheus "$prom_import" "$prom_import_rss" "$prom_loaded_rss" "$(peak_rss_mb "$prom_pid")"
printf '%-12s %12s %16s %18s %24s\n' klaxon "$klaxon_import" "$klaxon_import_rss" "$klaxon_loaded_rss" "$(peak_rss_mb "$klaxon_pid")"
[ "$status" = 0 ] || echo "unexplained differences: see above (exit $status)" >&2
exit "$status"
