#!/usr/bin/env bash
# Runs the rule unit-test corpus (tests/rules/*.test.yml) with Debian's promtool (Prometheus
# 2.42) AND with `klaxon test rules`; every file must pass with both. Prints one row per file.
#
# The corpus is written to mean the same under Prometheus 2 and 3, which differ where a sample
# lies exactly on a boundary: 2's range windows and 5m lookback are closed on the left
# ([t-r, t]), 3's are open ((t-r, t]). Each test file's header comment says how it avoids the
# difference:
#   - off-grid times: promql_expr_test eval_times between samples (rate, increase, delta,
#     changes, resets, irate: `eval_time: 10m30s`), or sample spacing/test times chosen so the
#     window edge falls between samples (avg_over_time, quantile_over_time,
#     sum_count_over_time, absent_over_time, last_over_time, gaps);
#   - linear data: where alert rules (evaluated on the minute) put a sample on a window edge,
#     the counters and gauges there are linear (rate, increase, delta, deriv, predict_linear,
#     histogram_quantile, recording_chain, tutorial_*), so both windows give the same
#     extrapolated value; changes/resets keep the edge sample inside an unchanged stretch;
#   - lookback: absent, staleness and gaps test times avoid the minute where a sample is
#     exactly 5m old (tutorial_no_orders likewise tests 25m and 31m, either side of the minute
#     where the two versions start firing).
# Prometheus 2.42 compares promql_expr_test values exactly and aggregates in map order, so
# aggregated values are binary fractions (aggregations, quantile_stddev) or written with
# 2.42's own digits where deterministic (quantile); klaxon compares within 1e-6.
# keep_firing_for is supported by 2.42 (added in 2.42.0), so keep_firing_for.test.yml runs in
# both. Nothing is klaxon-only.
#
# Needs promtool: installs Debian's `prometheus` package when it is missing. Uses
# $KLAXON_BIN when set (as the other interop scripts), else builds the debug binary.
# Exit status: 0 when every file passed with both tools, 1 otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/lib/common.sh"
need_pkg promtool prometheus

KLAXON="${KLAXON_BIN:-${KLAXON:-}}"
if [[ -z "$KLAXON" ]]; then
    (cd "$root" && cargo build -q -p klaxon --bin klaxon)
    KLAXON="$root/target/debug/klaxon"
fi

start_workdir
echo "promtool: $(promtool --version 2>&1 | head -1)"
echo
printf '%-45s %-9s %-9s\n' "file" "promtool" "klaxon"
printf '%-45s %-9s %-9s\n' "----" "--------" "------"

total=0
failed=0
for f in "$root"/tests/rules/*.test.yml; do
    name="$(basename "$f")"
    total=$((total + 1))
    p=PASS
    k=PASS
    promtool test rules "$f" >"$work/p.out" 2>&1 || p=FAIL
    "$KLAXON" test rules "$f" >"$work/k.out" 2>&1 || k=FAIL
    printf '%-45s %-9s %-9s\n' "$name" "$p" "$k"
    if [[ $p != PASS ]]; then
        sed 's/^/    promtool| /' "$work/p.out"
    fi
    if [[ $k != PASS ]]; then
        sed 's/^/    klaxon| /' "$work/k.out"
    fi
    if [[ $p != PASS || $k != PASS ]]; then
        failed=$((failed + 1))
    fi
done

echo
echo "$((total - failed))/$total files pass with both promtool and klaxon"
[[ $failed -eq 0 ]]
