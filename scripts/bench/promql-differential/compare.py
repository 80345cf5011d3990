#!/usr/bin/env python3
"""Sends every query to two Prometheus-compatible servers and compares the answers.

Usage: compare.py QUERIES_JSONL PROM_URL KLAXON_URL [--rel-tol 1e-6] [--abs-tol 1e-9] [--show N]

Results must have the same type and the same series (label sets); values must agree within the
relative tolerance (or the absolute one near zero), NaN equals NaN, infinities equal by sign.
Instant vectors are compared as sets, except that for `sort`/`sort_desc` the order of values
must match too. When both servers refuse a query the error types must match (messages are
reported as notes only). Differences that are known and explained (EXPLAINED below) are listed
but do not fail the run. Prints every difference, then median latency per query class for each
server. Exit status 1 when an unexplained difference was found. Python 3 stdlib only.
"""

import argparse
import json
import math
import re
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# Known differences between Prometheus 2.42 (the reference here) and the Prometheus 3
# semantics klaxon implements. Each rule names the queries it may apply to and a check that the
# difference really is that one (so a rule cannot hide an unrelated bug); defined after compare().
#
# Avoided by construction rather than listed: Prometheus 2 selects [T - range, T] for range
# selectors, subqueries and the lookback, 3 selects (T - range, T]. generate.py offsets every
# sample by an odd number of milliseconds and queries.py evaluates at 17 s past the minute, so
# no sample and no subquery step lies on a window's left edge.


def fetch(url, params, timeout=120):
    data = urllib.parse.urlencode(params).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
    except urllib.error.HTTPError as e:
        body = e.read()
    except (urllib.error.URLError, OSError) as e:
        return time.perf_counter() - t0, {"status": "error", "errorType": "connection", "error": str(e)}
    elapsed = time.perf_counter() - t0
    try:
        return elapsed, json.loads(body)
    except ValueError:
        return elapsed, {"status": "error", "errorType": "bad_json", "error": body[:200].decode("utf-8", "replace")}


def fval(s):
    return float(s)  # "NaN", "+Inf", "-Inf" parse too


def close(a, b, rel, abs_):
    fa, fb = fval(a), fval(b)
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    if math.isinf(fa) or math.isinf(fb):
        return fa == fb
    d = abs(fa - fb)
    return d <= abs_ or d <= rel * max(abs(fa), abs(fb))


def key(metric):
    return tuple(sorted(metric.items()))


def fmt_metric(m):
    name = m.get("__name__", "")
    rest = ",".join('%s="%s"' % (k, v) for k, v in sorted(m.items()) if k != "__name__")
    return "%s{%s}" % (name, rest)


def compare(q, a, b, rel, abs_):
    """Returns a list of difference strings (empty when equal) and a list of notes."""
    diffs, notes = [], []
    sa, sb = a.get("status"), b.get("status")
    if sa != "success" or sb != "success":
        if sa == sb == "error":
            if a.get("errorType") != b.get("errorType"):
                diffs.append("error types differ: prometheus %s (%s), klaxon %s (%s)" % (
                    a.get("errorType"), a.get("error"), b.get("errorType"), b.get("error")))
            elif a.get("error") != b.get("error"):
                notes.append("error texts differ: prometheus %r, klaxon %r" % (a.get("error"), b.get("error")))
            return diffs, notes
        diffs.append("status: prometheus %s%s, klaxon %s%s" % (
            sa, "" if sa == "success" else " (%s)" % a.get("error"),
            sb, "" if sb == "success" else " (%s)" % b.get("error")))
        return diffs, notes
    da, db = a.get("data", {}), b.get("data", {})
    ta, tb = da.get("resultType"), db.get("resultType")
    if ta != tb:
        return ["result types: prometheus %s, klaxon %s" % (ta, tb)], notes
    ra, rb = da.get("result"), db.get("result")
    if ta in ("scalar", "string"):
        if ra[0] != rb[0]:
            diffs.append("timestamps: %s vs %s" % (ra[0], rb[0]))
        if ta == "string" and ra[1] != rb[1] or ta == "scalar" and not close(ra[1], rb[1], rel, abs_):
            diffs.append("value: prometheus %s, klaxon %s" % (ra[1], rb[1]))
        return diffs, notes
    ma = {key(s["metric"]): s for s in ra}
    mb = {key(s["metric"]): s for s in rb}
    if len(ma) != len(ra):
        diffs.append("prometheus returned duplicate series")
    if len(mb) != len(rb):
        diffs.append("klaxon returned duplicate series")
    only_a = [k for k in ma if k not in mb]
    only_b = [k for k in mb if k not in ma]
    for k in only_a[:5]:
        diffs.append("only in prometheus: %s" % fmt_metric(dict(k)))
    for k in only_b[:5]:
        diffs.append("only in klaxon: %s" % fmt_metric(dict(k)))
    if len(only_a) > 5 or len(only_b) > 5:
        diffs.append("(%d series only in prometheus, %d only in klaxon)" % (len(only_a), len(only_b)))
    bad = 0
    for k, s in ma.items():
        o = mb.get(k)
        if o is None:
            continue
        if ta == "vector":
            pa, pb = [s["value"]], [o["value"]]
        else:
            pa, pb = s.get("values", []), o.get("values", [])
        why = None
        if len(pa) != len(pb) or any(x[0] != y[0] for x, y in zip(pa, pb)):
            ts_a = [x[0] for x in pa]
            ts_b = [y[0] for y in pb]
            missing = sorted(set(ts_a) - set(ts_b))[:3]
            extra = sorted(set(ts_b) - set(ts_a))[:3]
            why = "%d vs %d points; only prometheus at %s, only klaxon at %s" % (len(pa), len(pb), missing, extra)
        else:
            for x, y in zip(pa, pb):
                if not close(x[1], y[1], rel, abs_):
                    why = "at %s: prometheus %s, klaxon %s" % (x[0], x[1], y[1])
                    break
        if why:
            bad += 1
            if bad <= 5:
                diffs.append("%s: %s" % (fmt_metric(dict(k)), why))
    if bad > 5:
        diffs.append("(%d series differ in all)" % bad)
    if ta == "vector" and re.match(r"^\s*sort(_desc)?\(", q["query"]) and not diffs:
        va = [x["value"][1] for x in ra]
        vb = [x["value"][1] for x in rb]
        if not all(close(x, y, rel, abs_) for x, y in zip(va, vb)):
            diffs.append("sort order differs")
    return diffs, notes


def same_series_and_times(a, b):
    """Both succeeded with the same label sets and timestamps (values may differ)."""
    if a.get("status") != "success" or b.get("status") != "success":
        return False
    ra, rb = a["data"]["result"], b["data"]["result"]
    if a["data"]["resultType"] not in ("vector", "matrix") or a["data"]["resultType"] != b["data"]["resultType"]:
        return False
    def shape(r):
        return sorted((key(s["metric"]), tuple(p[0] for p in s.get("values", [s.get("value")]))) for s in r)
    return shape(ra) == shape(rb)


def without_name(resp):
    r = json.loads(json.dumps(resp))
    for s in r.get("data", {}).get("result", []) or []:
        if isinstance(s, dict):
            s["metric"].pop("__name__", None)
    return r


def values_per_time(resp):
    """timestamp -> sorted values: the answer with the choice among equal values erased."""
    out = {}
    for s in resp["data"]["result"]:
        for t, v in s.get("values", [s.get("value")]):
            out.setdefault(t, []).append(fval(v))
    return {t: sorted(vs, key=lambda x: (math.isnan(x), x)) for t, vs in out.items()}


def ties_only(q, a, b, rel, abs_):
    if a.get("status") != "success" or b.get("status") != "success":
        return False
    va, vb = values_per_time(a), values_per_time(b)
    if va.keys() != vb.keys():
        return False
    return all(len(va[t]) == len(vb[t]) and all(close(x, y, rel, abs_) for x, y in zip(va[t], vb[t])) for t in va)


EXPLAINED = [
    {
        # Prometheus 3 first limits the extrapolation at the window start to half an interval
        # when the first sample is far from it, then to the counter's zero point; 2.x applied the
        # zero point first. They differ where a series starts or resumes inside the window
        # (generate.py confines that to job "flaky"; queries.py runs those queries separately).
        "reason": "Prometheus 3 rate/increase extrapolation order (start limit before zero point)",
        "applies": lambda q: q["class"] == "flaky_rate",
        "check": lambda q, a, b, rel, abs_: same_series_and_times(a, b),
    },
    {
        # Prometheus 2.42 kept the metric name on `atan2` results; 3 drops it like every other
        # arithmetic operator.
        "reason": "Prometheus 2 kept __name__ on atan2",
        "applies": lambda q: "atan2" in q["query"],
        "check": lambda q, a, b, rel, abs_: not compare(q, without_name(a), without_name(b), rel, abs_)[0],
    },
    {
        # Which of several equal values topk/bottomk keep is not specified; the values must
        # still agree at every step.
        "reason": "topk/bottomk ties resolved differently",
        "applies": lambda q: re.match(r"\s*(topk|bottomk)\b", q["query"]) is not None,
        "check": ties_only,
    },
    {
        # histogram_fraction on classic `le` buckets is Prometheus 3 (2.42 reads native
        # histograms only, so it answers nothing for them); klaxon follows 3.
        "reason": "histogram_fraction on classic buckets is Prometheus 3 only",
        "applies": lambda q: "histogram_fraction(" in q["query"],
        "check": lambda q, a, b, rel, abs_: a.get("status") == "success"
        and not a["data"]["result"] and b.get("status") == "success" and bool(b["data"]["result"]),
    },
    {
        # Prometheus 3 accepts any UTF-8 label name, so label_replace("1x", ...) is valid.
        "reason": "Prometheus 3 UTF-8 label names",
        "applies": lambda q: re.search(r"label_(replace|join)\(", q["query"]) is not None,
        "check": lambda q, a, b, rel, abs_: a.get("status") == "error"
        and "label name" in (a.get("error") or "") and b.get("status") == "success",
    },
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("queries")
    ap.add_argument("prom")
    ap.add_argument("klaxon")
    ap.add_argument("--rel-tol", type=float, default=1e-6)
    ap.add_argument("--abs-tol", type=float, default=1e-9)
    a = ap.parse_args()

    queries = [json.loads(l) for l in open(a.queries) if l.strip()]
    lat = {"prometheus": {}, "klaxon": {}}
    unexplained = explained = same = 0
    for i, q in enumerate(queries):
        if q["type"] == "instant":
            path, params = "/api/v1/query", {"query": q["query"], "time": q["time"]}
            where = "instant @%s" % q["time"]
        else:
            path, params = "/api/v1/query_range", {"query": q["query"], "start": q["start"], "end": q["end"], "step": q["step"]}
            where = "range %s..%s step %s" % (q["start"], q["end"], q["step"])
        # Alternate who goes first so caches and CPU frequency favour neither.
        order = [("prometheus", a.prom), ("klaxon", a.klaxon)]
        if i % 2:
            order.reverse()
        res = {}
        for name, base in order:
            t, body = fetch(base + path, params)
            res[name] = body
            if body.get("status") == "success":
                lat[name].setdefault((q["class"], q["type"]), []).append(t)
        diffs, notes = compare(q, res["prometheus"], res["klaxon"], a.rel_tol, a.abs_tol)
        if not diffs:
            same += 1
        else:
            a_, b_ = res["prometheus"], res["klaxon"]
            reason = next((r["reason"] for r in EXPLAINED
                           if r["applies"](q) and r["check"](q, a_, b_, a.rel_tol, a.abs_tol)), None)
            if reason:
                explained += 1
                print("EXPLAINED (%s) [%s] %s %s" % (reason, q["class"], where, q["query"]))
            else:
                unexplained += 1
                print("DIFF [%s] %s %s" % (q["class"], where, q["query"]))
            for d in diffs:
                print("    " + d)
        for n in notes:
            print("NOTE [%s] %s: %s" % (q["class"], q["query"], n))
        sys.stdout.flush()

    print()
    print("%d queries: %d same, %d explained differences, %d unexplained differences" % (
        len(queries), same, explained, unexplained))
    print()
    print("median latency per class (ms, successful queries only)")
    print("%-16s %-8s %6s %12s %12s %8s" % ("class", "type", "n", "prometheus", "klaxon", "ratio"))
    keys = sorted(set(lat["prometheus"]) | set(lat["klaxon"]))
    for k in keys:
        p = lat["prometheus"].get(k, [])
        kx = lat["klaxon"].get(k, [])
        mp = statistics.median(p) * 1000 if p else float("nan")
        mk = statistics.median(kx) * 1000 if kx else float("nan")
        ratio = mk / mp if p and kx and mp > 0 else float("nan")
        print("%-16s %-8s %6d %12.2f %12.2f %8.2f" % (k[0], k[1], max(len(p), len(kx)), mp, mk, ratio))
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
