#!/usr/bin/env python3
"""Generates the query list for the PromQL differential from the data's meta file.

Prints JSON lines {"class", "type": "instant"|"range", "query", "time" | "start","end","step"}
(times in float seconds). Every evaluation time is a whole second that is not a multiple of 15s,
30s, 1m or 5m, so subquery steps (15s, 30s, 1m, 5m) and window edges never coincide with an
evaluation time: Prometheus 2's closed subquery ranges and 3's left-open ones pick the same
points. Only functions and syntax that Prometheus 2.42 and 3 share are used.

Usage: queries.py META_JSON [--quick]
"""

import json
import re
import sys

RANGE_FUNCS = ["rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets"]
OVER_TIME = ["avg_over_time", "sum_over_time", "min_over_time", "max_over_time", "count_over_time",
             "stddev_over_time", "stdvar_over_time", "last_over_time", "present_over_time",
             "absent_over_time"]
AGGS = ["sum", "avg", "min", "max", "count", "group", "stddev", "stdvar"]
MATH = ["abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "sgn", "deg", "rad",
        "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"]
DATE = ["minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month", "year"]
ARITH = ["+", "-", "*", "/", "%", "^", "atan2"]
CMP = ["==", "!=", ">", "<", ">=", "<="]

COUNTER = 'http_requests_total'
GAUGES = ["process_resident_memory_bytes", "queue_length", "temperature_celsius"]
BUCKET = "http_request_duration_seconds_bucket"


def build(meta, quick):
    jobs = meta["jobs"]
    inst = meta["instances"]
    j0, j1 = jobs[0], jobs[-1]
    i0 = inst[0]
    q = []  # (class, expr, instant_only)

    def add(cls, expr, instant_only=False):
        q.append((cls, expr, instant_only))

    # Selectors.
    for sel in ["up", 'up{job="%s"}' % j0, "up == 0", COUNTER + '{code="500"}',
                COUNTER + '{code=~"4..|5..",method!="POST"}', COUNTER + '{handler!~"/api.*",job="%s"}' % j1,
                '{__name__=~"process_.*|queue_length"}', 'temperature_celsius{instance="%s"}' % i0,
                "batch_task_duration_seconds", 'node_cpu_seconds_total{cpu="0",mode="idle"}',
                BUCKET + '{le="0.1",handler="/metrics"}', "queue_length offset 10m",
                'up{job="%s"} offset 1h' % j0, 'http_requests_total{code="200",handler="/healthz"} offset 7m']:
        add("selector", sel)
    for sel in ['up{instance="%s"}[5m]' % i0, 'temperature_celsius{job="%s"}[2m]' % j0,
                'batch_task_duration_seconds{instance="%s"}[10m]' % i0, 'queue_length[3m] offset 20m']:
        add("range_selector", sel, True)
    # Counters.
    for f in RANGE_FUNCS:
        for r in ["1m", "5m", "15m"]:
            add("rate_family", "%s(%s{code=\"200\"}[%s])" % (f, COUNTER, r))
        add("rate_family", "%s(node_cpu_seconds_total{mode=\"user\"}[5m])" % f)
        add("rate_family", "%s(queue_length[10m])" % f)
    add("rate_family", "predict_linear(queue_length[15m], 600)")
    add("rate_family", "predict_linear(process_resident_memory_bytes[30m], 3600)")
    add("rate_family", "rate(%s[5m] offset 30m)" % COUNTER)
    # Over-time.
    for f in OVER_TIME:
        for g in GAUGES + ["batch_task_duration_seconds"]:
            add("over_time", "%s(%s[10m])" % (f, g))
    for phi in ["0", "0.5", "0.9", "0.99", "1", "-1", "2"]:
        add("over_time", "quantile_over_time(%s, queue_length[15m])" % phi)
    # Aggregations.
    for a in AGGS:
        for grouping in ["", " by (job)", " without (instance)", " by (job, handler)"]:
            add("aggregation", "%s%s(rate(%s[5m]))" % (a, grouping, COUNTER))
        add("aggregation", "%s by (job)(queue_length)" % a)
        add("aggregation", "%s(temperature_celsius)" % a)
    for k in ["1", "3", "10"]:
        add("aggregation", "topk(%s, rate(%s[5m]))" % (k, COUNTER))
        add("aggregation", "bottomk(%s, queue_length)" % k)
        add("aggregation", "topk by (job) (%s, process_resident_memory_bytes)" % k)
    for phi in ["0.1", "0.5", "0.95", "1.5"]:
        add("aggregation", "quantile(%s, rate(%s[5m]))" % (phi, COUNTER))
        add("aggregation", "quantile by (job) (%s, queue_length)" % phi)
    add("aggregation", 'count_values("value", queue_length)')
    add("aggregation", 'count_values by (job) ("code", up)')
    add("aggregation", "count(batch_task_duration_seconds) by (instance)")
    # Rule-shaped.
    for m in ["http_requests_total", "node_cpu_seconds_total"]:
        for g in ["job", "instance", "job, instance"]:
            add("rule", "sum by (%s)(rate(%s[5m]))" % (g, m))
    add("rule", 'sum by (job)(rate(%s{code="500"}[5m])) / sum by (job)(rate(%s[5m]))' % (COUNTER, COUNTER))
    add("rule", 'sum by (job, handler)(rate(%s{code=~"5.."}[5m])) / ignoring(code) group_left sum by (job, handler)(rate(%s[5m]))' % (COUNTER, COUNTER))
    add("rule", 'sum(rate(%s{code="500"}[5m])) by (instance) / sum(rate(%s[5m])) by (instance) > 0.01' % (COUNTER, COUNTER))
    add("rule", '1 - avg by (instance)(rate(node_cpu_seconds_total{mode="idle"}[5m]))')
    add("rule", "avg_over_time(up[10m]) < 0.9")
    add("rule", "up == 0 or absent(up)")
    for phi in ["0.5", "0.9", "0.99", "0", "1", "1.5", "-0.5"]:
        add("rule", "histogram_quantile(%s, sum by (le, job)(rate(%s[5m])))" % (phi, BUCKET))
    add("rule", "histogram_quantile(0.9, sum by (le, handler)(rate(%s[15m])))" % BUCKET)
    add("rule", "histogram_quantile(0.9, rate(%s[5m]))" % BUCKET)
    add("rule", 'histogram_quantile(0.99, sum without (instance)(rate(%s{job="%s"}[5m])))' % (BUCKET, j0))
    add("rule", "sum by (job)(rate(http_request_duration_seconds_sum[5m])) / sum by (job)(rate(http_request_duration_seconds_count[5m]))")
    add("rule", 'sum by (job)(rate(%s{le="0.25"}[5m])) / ignoring(le) sum by (job)(rate(%s{le="+Inf"}[5m]))' % (BUCKET, BUCKET))
    add("rule", "process_resident_memory_bytes / on(instance) group_left(job) up")
    add("rule", "predict_linear(queue_length[30m], 4 * 3600) > 100")
    add("rule", "increase(http_requests_total{code=\"500\"}[1h]) > 10")
    # Binary operators.
    for op in ARITH:
        add("binary", "queue_length %s 3" % op)
        add("binary", "2 %s temperature_celsius" % op)
        add("binary", "process_resident_memory_bytes %s queue_length" % op)
        add("binary", "rate(http_requests_total[5m]) %s on(job, instance, handler, method) group_left rate(http_requests_total{code=\"200\"}[5m])" % op)
    for op in CMP:
        add("binary", "queue_length %s 20" % op)
        add("binary", "queue_length %s bool 20" % op)
        add("binary", "40 %s temperature_celsius" % op)
        add("binary", "queue_length %s ignoring(job) queue_length offset 5m" % op)
        add("binary", "2 %s bool 3" % op)
    for op in ["and", "or", "unless"]:
        add("binary", "queue_length > 20 %s temperature_celsius > 40" % op)
        add("binary", "up %s on(instance) (queue_length > 30)" % op)
        add("binary", "rate(http_requests_total{code=\"500\"}[5m]) %s ignoring(code) rate(http_requests_total{code=\"404\"}[5m]) > 0.01" % op)
    add("binary", "-queue_length")
    add("binary", "+queue_length ^ 2 ^ 0.5")
    add("binary", "queue_length / 0")
    add("binary", "1 - 2 * 3 % 4 ^ 2")
    add("binary", "up * on(instance) group_right(job) process_resident_memory_bytes")
    # Functions.
    for f in MATH:
        add("function", "%s(temperature_celsius / 50)" % f)
    for f in DATE:
        add("function", "%s()" % f)
        add("function", "%s(timestamp(queue_length))" % f)
    for e in ["round(temperature_celsius)", "round(temperature_celsius, 0.25)", "round(queue_length, 7)",
              "clamp(temperature_celsius, 39, 41)", "clamp(temperature_celsius, 41, 39)",
              "clamp_min(queue_length, 10)", "clamp_max(queue_length, 10)",
              "timestamp(queue_length)", "timestamp(rate(http_requests_total[5m]))", "time()", "vector(1)",
              "vector(time())", "scalar(sum(up))", "scalar(up)", "pi()",
              "absent(nonexistent_metric{job=\"x\"})", "absent(up)", "absent_over_time(nonexistent[5m])",
              'label_replace(up, "host", "$1", "instance", "(.*):.*")',
              'label_replace(up, "job", "", "job", ".*")',
              'label_replace(queue_length, "x", "${1}-$2", "instance", "host-(\\\\d+):(\\\\d+)")',
              'label_join(up, "both", "/", "job", "instance")', 'label_join(up, "empty", ",")',
              "sort(queue_length)", "sort_desc(temperature_celsius)",
              "sort(rate(http_requests_total{code=\"500\"}[5m]))",
              "sum(up) + count(queue_length)", "exp(queue_length) > 1e10",
              "ln(queue_length - queue_length)", "sqrt(-queue_length)",
              # Native-histogram functions: classic buckets give nothing in both.
              "histogram_count(rate(%s[5m]))" % BUCKET, "histogram_sum(rate(%s[5m]))" % BUCKET,
              "histogram_fraction(0, 0.1, rate(%s[5m]))" % BUCKET]:
        add("function", e)
    # Subqueries.
    for e in ["max_over_time(rate(http_requests_total{code=\"200\"}[5m])[30m:1m])",
              "avg_over_time(up[1h:5m])", "min_over_time(queue_length[20m:30s])",
              "rate(http_requests_total{code=\"500\"}[5m:15s])",
              "max_over_time(sum by (job)(rate(http_requests_total[5m]))[1h:5m])",
              "quantile_over_time(0.9, queue_length[30m:1m])",
              "sum_over_time((queue_length > 20)[30m:1m])",
              "count_over_time(temperature_celsius[10m:1m] offset 10m)",
              "deriv(process_resident_memory_bytes[30m:1m])",
              "last_over_time(queue_length[10m:1m])",
              "max_over_time(histogram_quantile(0.9, sum by (le)(rate(%s[5m])))[30m:5m])" % BUCKET]:
        add("subquery", e)
    # @ modifier.
    at = meta["end_ms"] // 1000 - 1800 - 23
    for e in ["queue_length @ %d" % at, "rate(http_requests_total{code=\"500\"}[5m] @ %d)" % at,
              "sum(queue_length @ %d) by (job)" % at, "queue_length @ %d offset 10m" % at,
              "queue_length @ end()", "rate(http_requests_total{code=\"404\"}[5m] @ start())"]:
        add("at_modifier", e)
    # Errors (both sides should refuse, with the same error type).
    for e in ["rate(queue_length)", "sum(", "queue_length + on(job) group_left up",
              "http_requests_total + ignoring(code) http_requests_total", "label_replace(up, \"1x\", \"\", \"job\", \"\")",
              "topk(NaN, up)"]:
        add("error", e)

    if quick:
        q = q[::3]
    return q


METRICS = ["http_request_duration_seconds_bucket", "http_request_duration_seconds_sum",
           "http_request_duration_seconds_count", "http_requests_total", "node_cpu_seconds_total",
           "process_resident_memory_bytes", "queue_length", "temperature_celsius",
           "batch_task_duration_seconds", "up"]
SELECTOR = re.compile(r"(?<![\w:\"])(%s)(?![\w:])(\{[^}]*\})?" % "|".join(METRICS))
EXTRAPOLATING = re.compile(r"\b(rate|increase)\(")


def with_job(expr, matcher):
    """`expr` with `matcher` added to every selector."""
    def sub(m):
        inner = (m.group(2) or "{}")[1:-1].strip()
        return "%s{%s%s}" % (m.group(1), matcher, "," + inner if inner else "")
    return SELECTOR.sub(sub, expr)


def split_flaky(queries):
    """rate() and increase() extrapolate differently in Prometheus 3 where a series starts or
    resumes inside the window; generate.py confines that to job "flaky". Queries using them
    run strictly on the other jobs, and again on "flaky" alone as class `flaky_rate`, whose
    differences compare.py lists as explained."""
    out = []
    for cls, expr, instant_only in queries:
        if EXTRAPOLATING.search(expr):
            out.append((cls, with_job(expr, 'job!="flaky"'), instant_only))
            out.append(("flaky_rate", with_job(expr, 'job="flaky"'), instant_only))
        else:
            out.append((cls, expr, instant_only))
    return out


def main():
    meta = json.load(open(sys.argv[1]))
    quick = "--quick" in sys.argv[2:]
    start = meta["start_ms"] // 1000
    end = meta["end_ms"] // 1000
    # Whole seconds that are 17 s past a minute: never on a 15s/30s/1m/5m grid.
    def off(t):
        return (t // 60) * 60 + 17
    # The longest look-back of any query (`max_over_time(...[1h:5m])` over `rate(..[5m])`, i.e.
    # 65 minutes) must stay inside the data: a series starting inside a rate() window is
    # extrapolated differently by Prometheus 2 and 3.
    earliest = start + 66 * 60
    if end - 60 <= earliest:
        sys.exit("queries.py: need more than 67 minutes of data, got %d" % ((end - start) // 60))
    inst_times = [off(end - 2), off(end - 1800), off(earliest + (end - earliest) // 2)]
    inst_times = sorted({t for t in inst_times if t > earliest}, reverse=True)
    r_start = off(max(earliest + 60, end - 2 * 3600))
    r_end = off(end - 60)
    n = 0
    for cls, expr, instant_only in split_flaky(build(meta, quick)):
        for t in inst_times[: (1 if quick else len(inst_times))]:
            print(json.dumps({"class": cls, "type": "instant", "query": expr, "time": t}))
            n += 1
        if not instant_only:
            step = 60
            print(json.dumps({"class": cls, "type": "range", "query": expr, "start": r_start, "end": r_end, "step": step}))
            n += 1
    print("%d queries" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
