#!/usr/bin/env bash
# Side-by-side scrape benchmark: Debian's Prometheus (2.42) and `klaxon run` scrape the same
# synthetic targets with the same prometheus.yml at the same time, and the script reports for
# each: peak RSS, CPU seconds per million samples ingested, and bytes per sample on disk in the
# blocks cut from the head.
#
# Defaults: 10 targets x 10,000 series = 100k active series, scrape interval 15 s, 600 s run.
# Both stores cut blocks of BLOCK (default 5m, `--storage.tsdb.min/max-block-duration`, a
# hidden Prometheus flag) so that a 10-minute run ends with blocks on disk to measure; the
# default of 2 h would need a 3-hour run. Samples ingested are counted by the same PromQL query
# on both (`scrape_samples_scraped` summed over the run), CPU from /proc/<pid>/stat, RSS sampled every 2 s
# from /proc/<pid>/status (VmHWM at the end as the peak).
#
# Usage: scripts/bench/scrape-side-by-side.sh
#   env: TARGETS=10 SERIES=10000 INTERVAL=15s DURATION=600 BLOCK=5m KLAXON_BIN=path KEEP=1
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
INTERVAL="${INTERVAL:-15s}"
DURATION="${DURATION:-600}"
BLOCK="${BLOCK:-5m}"

klaxon="${KLAXON_BIN:-}"
if [ -z "$klaxon" ]; then
    (cd "$root" && cargo build -q --release -p klaxon)
    klaxon="$root/target/release/klaxon"
fi

start_workdir
exporter_port=$(free_port)
# The exporter takes TARGETS consecutive ports; pick a base well away from ephemeral reuse.
exporter_port=$(( (exporter_port % 20000) + 30000 ))
python3 "$root/scripts/lib/synthetic_exporter.py" --port "$exporter_port" --targets "$TARGETS" \
    --series "$SERIES" --step "${INTERVAL%s}" > "$work/exporter.log" 2>&1 &
pids+=($!)

targets=""
for ((i = 0; i < TARGETS; i++)); do targets="$targets\"127.0.0.1:$((exporter_port + i))\","; done
cat > "$work/prometheus.yml" <<YML
global:
  scrape_interval: $INTERVAL
  scrape_timeout: 10s
scrape_configs:
  - job_name: synth
    static_configs:
      - targets: [${targets%,}]
YML

prom_port=$(free_port)
klaxon_port=$(free_port)
for ((i = 0; i < 50; i++)); do
    curl -sf "http://127.0.0.1:$exporter_port/metrics" >/dev/null && break
    sleep 0.2
done

prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
    --web.listen-address="127.0.0.1:$prom_port" \
    --storage.tsdb.min-block-duration="$BLOCK" --storage.tsdb.max-block-duration="$BLOCK" \
    --storage.tsdb.retention.time=30d > "$work/prometheus.log" 2>&1 &
prom_pid=$!
pids+=($prom_pid)
"$klaxon" run --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/klaxon-data" \
    --web.listen-address="127.0.0.1:$klaxon_port" \
    --storage.tsdb.min-block-duration="$BLOCK" --storage.tsdb.max-block-duration="$BLOCK" \
    --storage.tsdb.retention.time=30d > "$work/klaxon.log" 2>&1 &
klaxon_pid=$!
pids+=($klaxon_pid)
started=$(date +%s)

declare -A peak=([prom]=0 [klaxon]=0)
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
echo "scraping $((TARGETS * SERIES)) series every $INTERVAL for ${DURATION}s..." >&2
while [ $(( $(date +%s) - started )) -lt "$DURATION" ]; do
    for who in prom klaxon; do
        pid=$prom_pid; [ "$who" = klaxon ] && pid=$klaxon_pid
        kill -0 "$pid" 2>/dev/null || { echo "$who died; log tail:" >&2; tail -20 "$work/$( [ $who = prom ] && echo prometheus || echo klaxon ).log" >&2; exit 1; }
        r=$(rss_kb "$pid"); [ "$r" -gt "${peak[$who]}" ] && peak[$who]=$r
    done
    sleep 2
done

cpu_s() { # pid -> user+system seconds
    python3 -c 'import os,sys; f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")",1)[1].split(); t=os.sysconf("SC_CLK_TCK"); print((int(f[11])+int(f[12]))/t)' "$1"
}
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
samples() { # port -> samples ingested for the job over the run (what the targets exposed)
    curl -sf "http://127.0.0.1:$1/api/v1/query" --data-urlencode \
        "query=sum(sum_over_time(scrape_samples_scraped{job=\"synth\"}[$((DURATION + 120))s]))" |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)'
}
blocks() { # data dir -> "bytes samples" over the blocks on disk
    python3 - "$1" <<'PY'
import json, os, sys
d = sys.argv[1]; size = 0; n = 0
for name in os.listdir(d):
    meta = os.path.join(d, name, "meta.json")
    if len(name) != 26 or not os.path.exists(meta):
        continue
    n += json.load(open(meta))["stats"]["numSamples"]
    for root, _, files in os.walk(os.path.join(d, name)):
        size += sum(os.path.getsize(os.path.join(root, f)) for f in files)
print(size, n)
PY
}

printf '%-10s %12s %12s %14s %12s %14s %12s\n' server samples "peak RSS MB" "CPU s" "CPU s/1M" "block bytes" "B/sample"
for who in prom klaxon; do
    pid=$prom_pid; port=$prom_port; dir="$work/prom-data"
    [ "$who" = klaxon ] && { pid=$klaxon_pid; port=$klaxon_port; dir="$work/klaxon-data"; }
    n=$(samples "$port"); c=$(cpu_s "$pid"); h=$(hwm_kb "$pid")
    [ "$h" -gt "${peak[$who]}" ] && peak[$who]=$h
    read -r bb bn < <(blocks "$dir")
    python3 - "$who" "$n" "${peak[$who]}" "$c" "$bb" "$bn" <<'PY'
import sys
who, n, peak, cpu, bb, bn = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
per = cpu / (n / 1e6) if n else float("nan")
bps = bb / bn if bn else float("nan")
print(f"{'prometheus' if who == 'prom' else 'klaxon':<10} {n:>12} {peak/1024:>12.1f} {cpu:>14.2f} {per:>12.2f} {bb:>14} {bps:>12.3f}")
PY
done
# Both servers share the machine with whatever else runs: the load puts the numbers in context.
echo "load: $(uptime | sed 's/.*load average/load average/')"
