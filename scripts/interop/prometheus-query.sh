#!/usr/bin/env bash
# Interop: `promtool query` (Debian's Prometheus 2.42) against `klaxon run`, with a real
# Prometheus on the same data as the reference.
#
#   1. A small OpenMetrics history (an hour ending ten minutes ago: counters, gauges with tiny,
#      huge and fractional values, a classic histogram, UTF-8-free label churn) is loaded into
#      klaxon (`klaxon tsdb import openmetrics`) and into Prometheus (`promtool tsdb
#      create-blocks-from openmetrics`).
#   2. Both servers start on free ports. For each query, `promtool query instant|range|series|
#      labels` (both output formats) is run against both; the outputs must be identical.
#   3. `klaxon query` against klaxon must print exactly what `promtool query` prints.
#
# Query times avoid sample timestamps (Prometheus 2 range selectors are left-closed, 3's are
# left-open, so a sample exactly on a window's start would count in one and not the other).
# Raw API bodies are compared byte for byte where the result order is defined.
# Known differences, checked loosely where they occur: promtool 2.42 cannot decode string
# results at all; 2.42 writes "Invalid time value" where Prometheus 3 and klaxon write
# "invalid"; parse error texts are the parser's (only the error type and parameter compared).
#
# Installs `prometheus` with apt-get when missing (sudo when not root). Every process it starts
# is stopped by the EXIT trap. Exits non-zero on the first mismatch, printing both outputs.
#
# Usage: scripts/interop/prometheus-query.sh     (KEEP=1 keeps the work dir; KLAXON_BIN=path
#        skips the cargo build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

. "$root/scripts/lib/common.sh"
need_pkg promtool prometheus
need_pkg prometheus prometheus
need_pkg python3 python3
echo "promtool: $(promtool --version 2>&1 | head -1)" >&2

klaxon="${KLAXON_BIN:-}"
if [ -z "$klaxon" ]; then
    (cd "$root" && cargo build -q -p klaxon)
    klaxon="$root/target/debug/klaxon"
fi

start_workdir

fail() {
    echo "FAIL: $*" >&2
    for f in klaxon.log prometheus.log; do
        if [ -f "$work/$f" ]; then
            echo "--- $f (tail) ---" >&2
            tail -n 20 "$work/$f" >&2
        fi
    done
    exit 1
}
pass() { echo "ok: $*"; }


wait_for() { # seconds command...
    local secs="$1"; shift
    local end=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.2
    done
}

# ---------------------------------------------------------------------------------------------
# 1. History: 61 samples per series, 60 s apart, the last one ten minutes ago (whole minutes,
#    so that query times at :30 never sit on a sample).
now=$(date +%s)
end=$(( (now - 600) / 60 * 60 ))
start=$(( end - 3600 ))
python3 - "$start" > "$work/history.om" <<'EOF'
import sys
start = int(sys.argv[1])
fams = []
def fam(name, typ, series):
    fams.append((name, typ, series))
# (labels, value function of step i)
fam("http_requests", "counter", [
    ('{job="api",instance="a:1",code="200"}', lambda i: 10.0 * i),
    ('{job="api",instance="a:1",code="500"}', lambda i: 0.5 * i),
    ('{job="api",instance="b:1",code="200"}', lambda i: 7.0 * i if i < 30 else 7.0 * (i - 30)),  # reset
    ('{job="db",instance="c:1",code="200"}', lambda i: 3.0 * i),
])
fam("temperature", "gauge", [
    ('{room="a"}', lambda i: 20.0 + (i % 7) * 0.25),
    ('{room="b"}', lambda i: -3.5 + i * 0.001),
])
fam("tiny", "gauge", [('{kind="small"}', lambda i: 1e-7 * (i + 1)), ('{kind="huge"}', lambda i: 1e22 * (i + 1))])
fam("up", "gauge", [
    ('{job="api",instance="a:1"}', lambda i: 1.0),
    ('{job="api",instance="b:1"}', lambda i: 0.0 if 20 <= i < 25 else 1.0),
    ('{job="db",instance="c:1"}', lambda i: 1.0),
])
bounds = ["0.1", "0.5", "1", "+Inf"]
hist = []
for le_i, le in enumerate(bounds):
    hist.append(('{job="api",le="%s"}' % le, (lambda k: (lambda i: float(i * (k + 1) * 2)))(le_i)))
fam("latency_seconds_bucket", "gauge", hist)
for name, typ, series in fams:
    if name.endswith("_bucket"):
        print("# TYPE %s gauge" % name)
    else:
        print("# TYPE %s %s" % (name, typ))
    for labels, f in series:
        for i in range(61):
            metric = name + ("_total" if typ == "counter" else "")
            print("%s%s %r %d" % (metric, labels, f(i), start + 60 * i))
print("# EOF")
EOF

"$klaxon" tsdb import openmetrics "$work/history.om" "$work/klaxon-data" > "$work/import.log" 2>&1 ||
    fail "klaxon tsdb import: $(cat "$work/import.log")"
promtool tsdb create-blocks-from openmetrics "$work/history.om" "$work/prom-data" > "$work/prom-import.log" 2>&1 ||
    fail "promtool create-blocks-from: $(cat "$work/prom-import.log")"
pass "history loaded into both ($(grep -c '^[a-z]' "$work/history.om") samples)"

# ---------------------------------------------------------------------------------------------
# 2. Both servers
kport=$(free_port)
pport=$(free_port)
printf 'global:\n  scrape_interval: 15s\n' > "$work/prometheus.yml"
"$klaxon" run --config.file "$work/prometheus.yml" --storage.tsdb.path "$work/klaxon-data" \
    --web.listen-address "127.0.0.1:$kport" > "$work/klaxon.log" 2>&1 &
pids+=($!)
prometheus --config.file "$work/prometheus.yml" --storage.tsdb.path "$work/prom-data" \
    --storage.tsdb.retention.time 10y --web.listen-address "127.0.0.1:$pport" > "$work/prometheus.log" 2>&1 &
pids+=($!)
K="http://127.0.0.1:$kport"
P="http://127.0.0.1:$pport"
wait_for 30 curl -sf "$K/-/ready" || fail "klaxon did not become ready"
wait_for 60 curl -sf "$P/-/ready" || fail "prometheus did not become ready"
grep -q "Server is ready to receive web requests." "$work/klaxon.log" || fail "no ready log line"
pass "klaxon on $K, prometheus on $P"

# ---------------------------------------------------------------------------------------------
# 3. The same promtool commands against both
t_mid=$(( start + 1830 ))   # between samples
t_end=$(( end - 30 ))
same() { # description, then promtool arguments with SERVER where the URL goes
    local what="$1"; shift
    local a=() b=()
    for x in "$@"; do a+=("${x//SERVER/$K}"); b+=("${x//SERVER/$P}"); done
    local ko po
    ko="$(promtool "${a[@]}" 2>&1)" || true
    po="$(promtool "${b[@]}" 2>&1)" || true
    if [ "$ko" != "$po" ]; then
        echo "--- klaxon ---" >&2; echo "$ko" | head -40 >&2
        echo "--- prometheus ---" >&2; echo "$po" | head -40 >&2
        fail "$what"
    fi
    # klaxon's own client prints what promtool prints. `-o` goes after the subcommand there
    # (`klaxon query instant -o json ...`).
    local kq=() fmt=()
    local rest=("${a[@]:1}")
    if [ "${rest[0]}" = "-o" ]; then fmt=(-o "${rest[1]}"); rest=("${rest[@]:2}"); fi
    kq=("${rest[0]}" "${fmt[@]}" "${rest[@]:1}")
    local own
    own="$("$klaxon" query "${kq[@]}" 2>&1)" || true
    if [ "$own" != "$ko" ]; then
        echo "--- promtool ---" >&2; echo "$ko" | head -20 >&2
        echo "--- klaxon query ---" >&2; echo "$own" | head -20 >&2
        fail "klaxon query differs from promtool: $what"
    fi
    pass "$what"
}

for q in 'up' 'tiny' 'temperature' 'http_requests_total{code="200"}' \
    'sum by (job) (rate(http_requests_total[5m]))' \
    'histogram_quantile(0.9, sum by (le) (rate(latency_seconds_bucket[10m])))' \
    'up == 0' 'count(up) by (job)' 'scalar(sum(up))' 'time()' '1e-7' 'vector(1e-7)' \
    'temperature / 0' '(-temperature) / 0' 'temperature[3m]'; do
    same "instant $q" query instant SERVER "$q" --time "$t_mid"
    same "instant -o json $q" query -o json instant SERVER "$q" --time "$t_mid"
done
for q in 'up' 'sum(rate(http_requests_total[5m]))' 'tiny * 2' 'max_over_time(temperature[10m])'; do
    same "range $q" query range SERVER "$q" --start "$t_mid" --end "$t_end" --step 120s
done
same "range without step" query range SERVER 'up{job="db"}' --start "$t_mid" --end "$t_end"
same "series" query series SERVER --match 'up' --match '{__name__=~"temp.*"}'
same "series -o json" query -o json series SERVER --match 'http_requests_total{job="api"}'
same "label values" query labels SERVER job
same "label values with match" query labels SERVER instance --match 'up{job="api"}'
same "label values of __name__" query labels SERVER __name__
# String results: promtool 2.42's client cannot decode them (`unexpected value type "string"`,
# against Prometheus too); klaxon's client prints the string.
kstr="$(promtool query instant "$K" '"a string"' --time "$t_mid" 2>&1)" || true
pstr="$(promtool query instant "$P" '"a string"' --time "$t_mid" 2>&1)" || true
[ "$kstr" = "$pstr" ] || fail "string result: '$kstr' vs '$pstr'"
own="$("$klaxon" query instant "$K" '"a string"' --time "$t_mid")"
[ "$own" = "a string" ] || fail "klaxon query string result: $own"
pass "string result (promtool fails alike on both; klaxon query prints it)"

# Parse errors: same type and parameter; the parser's wording is not compared.
kerr="$(promtool query instant "$K" 'sum(' 2>&1)" && fail "klaxon accepted 'sum('"
perr="$(promtool query instant "$P" 'sum(' 2>&1)" && fail "prometheus accepted 'sum('"
prefix='query error: bad_data: invalid parameter "query": '
[[ "$kerr" == "$prefix"* && "$perr" == "$prefix"* ]] || fail "parse errors differ: '$kerr' vs '$perr'"
pass "parse error (klaxon: ${kerr#"$prefix"} | prometheus: ${perr#"$prefix"})"

# The API's bytes: value strings (`1e-07`, `+Inf`), timestamps (`.500`), label escaping and
# field order must be Prometheus' own, for queries whose result order is defined.
raw_same() { # path-and-query
    local kb pb
    kb="$(curl -s "$K$1")"
    pb="$(curl -s "$P$1")"
    [ "$kb" = "$pb" ] || { echo "klaxon:     $kb" >&2; echo "prometheus: $pb" >&2; fail "raw $1"; }
    pass "raw bytes $1"
}
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
for q in 'up' 'tiny' 'temperature[3m]' 'vector(1e-7)' '1e-7' 'temperature / 0' 'time()'; do
    raw_same "/api/v1/query?query=$(enc "$q")&time=$t_mid.5"
done
raw_same "/api/v1/query_range?query=$(enc 'tiny * 2')&start=$t_mid.25&end=$t_end&step=120"
raw_same "/api/v1/series?match[]=up&start=$start&end=$end"
raw_same "/api/v1/labels?start=$start&end=$end"
raw_same "/api/v1/label/job/values"
raw_same "/api/v1/query_range?query=up&start=10&end=5&step=1"
raw_same "/api/v1/query_range?query=up&start=0&end=100000&step=1"
# Known difference: 2.42 says "Invalid time value", Prometheus 3 (and klaxon) "invalid time value".
kb="$(curl -s "$K/api/v1/query?query=up&time=yesterday")"
pb="$(curl -s "$P/api/v1/query?query=up&time=yesterday")"
[ "${kb,,}" = "${pb,,}" ] || fail "bad time: '$kb' vs '$pb'"
pass "bad time parameter (same but for 2.42's capital I)"

# The API directly: status pages exist and the envelope is upstream's.
for p in status/buildinfo status/config status/flags status/runtimeinfo status/tsdb metadata; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$K/api/v1/$p")
    [ "$code" = 200 ] || fail "GET /api/v1/$p: $code"
done
pass "status endpoints answer 200"
echo "all promtool interop checks passed"
