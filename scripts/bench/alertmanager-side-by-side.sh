#!/usr/bin/env bash
# Side-by-side benchmark: Debian's Alertmanager (0.25) and `klaxon alertmanager` on the same
# load, driven by crates/klaxon/examples/am_load.rs:
#
# Routing: group_by [alertname, instance], group_wait 30s (the default: no flush competes with
# the ingest), group_interval 1m, repeat_interval 1h, one webhook receiver. A server on time
# notifies the first group about 30 s after the first post, so "last post -> first
# notification" is about 30 s minus the ingest time, and the last one follows soon after.
#
#   run 1 (no silences): N distinct alerts posted in batches of 1000 by one client, routed with
#     group_by [alertname, instance] to a webhook; then the same alerts re-posted as updates;
#     GET /api/v2/alerts and /api/v2/alerts/groups latency with all of them present; the delay
#     from the last post to the first and the last notification; peak RSS (VmHWM).
#   run 2 (with silences): a fresh server gets S silences first (each matching one alert in
#     ten), then the N alerts; the delay to the first and last notification again.
#
# Prints a table. Not part of CI (it takes minutes and measures wall time).
#
# Usage: scripts/bench/alertmanager-side-by-side.sh [--alerts N] [--silences S] [--only klaxon|alertmanager]
# Env: KLAXON_BIN, LOAD_BIN (skip the release build), KEEP=1 (keep the work dir).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
alerts=100000 silences=10000 only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --alerts) alerts="$2"; shift 2 ;;
        --silences) silences="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v prometheus-alertmanager >/dev/null; then
    as_root apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null
fi
klaxon="${KLAXON_BIN:-}" load="${LOAD_BIN:-}"
if [ -z "$klaxon" ] || [ -z "$load" ]; then
    (cd "$root" && cargo build -q --release -p klaxon --bin klaxon --example am_load)
    klaxon="${klaxon:-$root/target/release/klaxon}"
    load="${load:-$root/target/release/examples/am_load}"
fi
# Upstream flushes every group at once: one connection per notification.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

work="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    if [ -n "${KEEP:-}" ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

declare -A result

# start_server NAME DIR WEBHOOK_URL -> sets $server_pid and $url
start_server() {
    local name="$1" dir="$2" hook="$3"
    mkdir -p "$dir"
    cat >"$dir/am.yml" <<EOF
route:
  receiver: bench
  group_by: [alertname, instance]
  group_wait: 30s
  group_interval: 1m
  repeat_interval: 1h
receivers:
- name: bench
  webhook_configs:
  - url: '$hook'
EOF
    local cmd
    if [ "$name" = klaxon ]; then cmd=("$klaxon" alertmanager); else cmd=(prometheus-alertmanager); fi
    "${cmd[@]}" --config.file "$dir/am.yml" --storage.path "$dir/data" \
        --web.listen-address 127.0.0.1:0 --cluster.listen-address= 2>"$dir/server.log" &
    server_pid=$!
    pids+=("$server_pid")
    for _ in $(seq 1 300); do
        grep -q 'Listening on' "$dir/server.log" && break
        sleep 0.1
    done
    url="http://$(grep -m1 'Listening on' "$dir/server.log" | sed -n 's/.*address=\([^ ]*\).*/\1/p')"
    curl -fsS "$url/-/ready" >/dev/null
}

# start_webhook DIR -> sets $hook_url
start_webhook() {
    local dir="$1"
    mkdir -p "$dir"
    : >"$dir/notifications.log"
    "$load" webhook --port-file "$dir/hook.port" --log "$dir/notifications.log" &
    pids+=($!)
    for _ in $(seq 1 100); do [ -s "$dir/hook.port" ] && break; sleep 0.1; done
    hook_url="http://127.0.0.1:$(cat "$dir/hook.port")/"
}

rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

stop_server() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

bench_one() {
    local name="$1" dir="$work/$1"
    echo "== $name: $alerts alerts, no silences" >&2
    start_webhook "$dir/run1"
    start_server "$name" "$dir/run1" "$hook_url"
    local out last
    out="$("$load" post --url "$url" --alerts "$alerts")"; echo "$out" >&2
    result[$name,ingest]="$(sed -n 's/.*: \([0-9]*\) alerts\/s.*/\1/p' <<<"$out")"
    result[$name,rss_ingest]="$(rss_mb "$server_pid")"
    last="$(sed -n 's/.*last post at \([0-9]*\)/\1/p' <<<"$out")"
    out="$("$load" wait --log "$dir/run1/notifications.log" --expect "$alerts" --since-ns "$last")"; echo "$out" >&2
    result[$name,first]="$(sed -n 's/.*first \([0-9.-]*\)s.*/\1/p' <<<"$out")"
    result[$name,last]="$(sed -n 's/.*last \([0-9.-]*\)s.*/\1/p' <<<"$out")$(grep -o ' (INCOMPLETE)' <<<"$out" || true)"
    out="$("$load" post --url "$url" --alerts "$alerts" --update)"; echo "$out" >&2
    result[$name,update]="$(sed -n 's/.*: \([0-9]*\) alerts\/s.*/\1/p' <<<"$out")"
    out="$("$load" latency --url "$url" --path /api/v2/alerts --runs 5)"; echo "$out" >&2
    result[$name,get_alerts]="$(sed -n 's/.*median \([0-9]*\) ms.*/\1/p' <<<"$out")"
    out="$("$load" latency --url "$url" --path /api/v2/alerts/groups --runs 5)"; echo "$out" >&2
    result[$name,get_groups]="$(sed -n 's/.*median \([0-9]*\) ms.*/\1/p' <<<"$out")"
    result[$name,rss]="$(rss_mb "$server_pid")"
    stop_server "$server_pid"

    echo "== $name: $silences silences, then $alerts alerts" >&2
    start_webhook "$dir/run2"
    start_server "$name" "$dir/run2" "$hook_url"
    out="$("$load" silences --url "$url" --count "$silences" --every 10)"; echo "$out" >&2
    result[$name,silences]="$(sed -n 's/.*: \([0-9]*\) silences\/s.*/\1/p' <<<"$out")"
    out="$("$load" post --url "$url" --alerts "$alerts")"; echo "$out" >&2
    result[$name,ingest_sil]="$(sed -n 's/.*: \([0-9]*\) alerts\/s.*/\1/p' <<<"$out")"
    last="$(sed -n 's/.*last post at \([0-9]*\)/\1/p' <<<"$out")"
    local silenced=$(( silences < (alerts + 9) / 10 ? silences : (alerts + 9) / 10 ))
    out="$("$load" wait --log "$dir/run2/notifications.log" --expect $((alerts - silenced)) --since-ns "$last")"; echo "$out" >&2
    result[$name,first_sil]="$(sed -n 's/.*first \([0-9.-]*\)s.*/\1/p' <<<"$out")"
    result[$name,last_sil]="$(sed -n 's/.*last \([0-9.-]*\)s.*/\1/p' <<<"$out")$(grep -o ' (INCOMPLETE)' <<<"$out" || true)"
    result[$name,rss_sil]="$(rss_mb "$server_pid")"
    stop_server "$server_pid"
}

targets=(alertmanager klaxon)
[ -n "$only" ] && targets=("$only")
for t in "${targets[@]}"; do bench_one "$t"; done

row() { printf '%-44s' "$1"; shift; for t in "${targets[@]}"; do printf ' %18s' "${result[$t,$1]:-}"; done; echo; }
echo
printf '%-44s' "$alerts alerts, group_by [alertname, instance]"; for t in "${targets[@]}"; do printf ' %18s' "$t"; done; echo
row "ingest, alerts/s (batches of 1000)" ingest
row "re-post as updates, alerts/s" update
row "GET /api/v2/alerts, median ms" get_alerts
row "GET /api/v2/alerts/groups, median ms" get_groups
row "last post -> first notification, s" first
row "last post -> last notification, s" last
row "peak RSS after the ingest, MB" rss_ingest
row "peak RSS (notifications, GETs), MB" rss
row "$silences silences posted, silences/s" silences
row "ingest with silences, alerts/s" ingest_sil
row "with silences: -> first notification, s" first_sil
row "with silences: -> last notification, s" last_sil
row "with silences: peak RSS, MB" rss_sil
