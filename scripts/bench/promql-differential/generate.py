#!/usr/bin/env python3
"""Generates realistic Prometheus history as an OpenMetrics file, for the PromQL differential.

Targets (job, instance) expose what real exporters do: `up`; `http_requests_total` counters
(handler x method x code) that reset when an instance restarts; a classic histogram
`http_request_duration_seconds` (12 `le` buckets, `_sum`, `_count`) per handler; per-CPU
`node_cpu_seconds_total`; gauges (`process_resident_memory_bytes`, `queue_length`,
`temperature_celsius` with occasional NaN); and label churn: short-lived
`batch_task_duration_seconds{task_id=...}` series, and (job `flaky`) instances that join late
or leave early and are down for a while when they restart.

Samples are every 15 s. Each target has a fixed offset of an odd number of milliseconds
(never .000/.001/.999 s), so no sample lies on a query's window boundary (queries use whole
seconds): Prometheus 2's closed windows and 3's left-open ones then select the same samples.

Writes FILE (OpenMetrics, timestamps in float seconds, ends with `# EOF`) and FILE.meta.json
(time range and label values, for the query generator). Deterministic for a given --seed and
--end-ms. Python 3 standard library only.
"""

import argparse
import json
import math
import random
import sys
import time

INTERVAL_MS = 15_000
JOBS = ["api", "db", "cache", "worker", "frontend"]
FLAKY = "flaky"
HANDLERS = ["/api/v1/query", "/api/v1/series", "/metrics", "/healthz"]
METHODS = ["GET", "POST"]
CODES = ["200", "404", "500"]
# `le` values written in OpenMetrics float form, as Prometheus 3 would normalise them.
BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"]
CPUS = 4
MODES = ["user", "system", "idle", "iowait"]
# Series per instance, not counting batch tasks (one every 80 steps on average).
FIXED_PER_INSTANCE = 1 + len(HANDLERS) * len(METHODS) * len(CODES) + len(HANDLERS) * (len(BUCKETS) + 2) \
    + CPUS * len(MODES) + 3


def fmt_ts(ms):
    return "%d.%03d" % (ms // 1000, ms % 1000)


def fmt_v(v):
    if v != v:
        return "NaN"
    if v == math.inf:
        return "+Inf"
    if v == -math.inf:
        return "-Inf"
    r = repr(round(v, 4))
    return r


class Instance:
    """A target. Regular jobs restart between two scrapes (counters drop to 0, no gap). The
    `flaky` job (every sixth instance) also joins late or leaves early and is down for two
    scrapes when it restarts: gaps and series starting inside query windows, where Prometheus
    3's rate extrapolation differs from 2's (see compare.py)."""

    def __init__(self, idx, rng, steps):
        flaky = idx % 6 == 5
        self.job = FLAKY if flaky else JOBS[idx % len(JOBS)]
        self.name = "host-%04d:9100" % idx
        self.offset = rng.randrange(0, 15) * 1000 + 3 + 2 * rng.randrange(0, 497)
        self.first, self.last = 0, steps
        if flaky:
            if rng.random() < 0.5:
                self.first = rng.randrange(steps // 4, steps // 2)
            else:
                self.last = rng.randrange(steps // 2, steps * 3 // 4)
        self.down = set()
        self.restart_after = set()
        for _ in range(rng.choice([0, 1, 1, 2])):
            r = rng.randrange(self.first + 10, max(self.first + 11, self.last - 10))
            if flaky:
                self.down.update({r, r + 1})
                self.restart_after.add(r + 2)
            else:
                self.restart_after.add(r)
        self.labels = 'job="%s",instance="%s"' % (self.job, self.name)

    def steps(self):
        """Steps with samples for everything but `up`."""
        return [s for s in range(self.first, self.last) if s not in self.down]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--series", type=int, default=10000)
    ap.add_argument("--hours", type=float, default=3)
    ap.add_argument("--end-ms", type=int, default=None, help="end of the data (default: now, to the minute)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("out")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    end_ms = a.end_ms if a.end_ms is not None else (int(time.time()) // 60) * 60_000
    steps = int(a.hours * 3600_000 // INTERVAL_MS)
    start_ms = end_ms - steps * INTERVAL_MS
    # Enough instances for at least --series series (flaky ones live shorter: a little slack).
    per_instance = FIXED_PER_INSTANCE + steps / 80
    n_inst = max(1, math.ceil(a.series * 1.02 / per_instance))
    insts = [Instance(i, rng, steps) for i in range(n_inst)]

    out = open(a.out, "w", buffering=1 << 22)
    w = out.write
    series = 0
    samples = 0

    def ts_of(inst, s):
        return fmt_ts(start_ms + s * INTERVAL_MS + inst.offset)

    # up
    w("# HELP up Whether the target was scraped.\n# TYPE up gauge\n")
    for inst in insts:
        series += 1
        lines = []
        for s in range(inst.first, inst.last):
            lines.append("up{%s} %s %s\n" % (inst.labels, "0" if s in inst.down else "1", ts_of(inst, s)))
        samples += len(lines)
        w("".join(lines))

    # http_requests_total: counters with resets.
    w("# HELP http_requests Requests served.\n# TYPE http_requests counter\n")
    for inst in insts:
        alive = inst.steps()
        for h in HANDLERS:
            for m in METHODS:
                for c in CODES:
                    rate = rng.lognormvariate(0, 1.2) * (0.05 if c != "200" else 1.0)
                    v = rng.uniform(0, 1000) * rate
                    lab = 'http_requests_total{%s,handler="%s",method="%s",code="%s"}' % (inst.labels, h, m, c)
                    lines = []
                    for s in alive:
                        if s in inst.restart_after:
                            v = 0.0
                        v += rate * 15 * rng.uniform(0.5, 1.5)
                        lines.append("%s %s %s\n" % (lab, fmt_v(v), ts_of(inst, s)))
                    series += 1
                    samples += len(lines)
                    w("".join(lines))

    # http_request_duration_seconds: classic histogram.
    w("# HELP http_request_duration_seconds Request latency.\n# TYPE http_request_duration_seconds histogram\n"
      "# UNIT http_request_duration_seconds seconds\n")
    for inst in insts:
        alive = inst.steps()
        for h in HANDLERS:
            rate = rng.lognormvariate(0, 1) * 2
            median = rng.choice([0.02, 0.08, 0.3, 1.2])
            sigma = rng.uniform(0.5, 1.2)
            fracs = []
            for le in BUCKETS:
                if le == "+Inf":
                    fracs.append(1.0)
                else:
                    z = (math.log(float(le)) - math.log(median)) / sigma
                    fracs.append(0.5 * math.erfc(-z / math.sqrt(2)))
            counts = [0] * len(BUCKETS)
            total = 0.0
            rows = {b: [] for b in BUCKETS}
            sums, cnts = [], []
            for s in alive:
                if s in inst.restart_after:
                    counts = [0] * len(BUCKETS)
                    total = 0.0
                n = int(rate * 15 * rng.uniform(0.5, 1.5))
                for i, f in enumerate(fracs):
                    counts[i] += int(round(n * f))
                total += n * median * math.exp(sigma * sigma / 2) * rng.uniform(0.8, 1.2)
                ts = ts_of(inst, s)
                for i, b in enumerate(BUCKETS):
                    rows[b].append((counts[i], ts))
                sums.append((total, ts))
                cnts.append((counts[-1], ts))
            base = 'http_request_duration_seconds_%s{%s,handler="%s"%s}'
            for b in BUCKETS:
                lab = base % ("bucket", inst.labels, h, ',le="%s"' % b)
                w("".join("%s %d %s\n" % (lab, c, ts) for c, ts in rows[b]))
            lab = base % ("sum", inst.labels, h, "")
            w("".join("%s %s %s\n" % (lab, fmt_v(v), ts) for v, ts in sums))
            lab = base % ("count", inst.labels, h, "")
            w("".join("%s %d %s\n" % (lab, c, ts) for c, ts in cnts))
            series += len(BUCKETS) + 2
            samples += (len(BUCKETS) + 2) * len(alive)

    # node_cpu_seconds_total
    w("# HELP node_cpu_seconds Seconds the CPUs spent in each mode.\n# TYPE node_cpu_seconds counter\n")
    for inst in insts:
        alive = inst.steps()
        for cpu in range(CPUS):
            shares = [rng.uniform(0.05, 0.4), rng.uniform(0.02, 0.2), 0, rng.uniform(0, 0.05)]
            shares[2] = max(0.0, 1 - sum(shares))
            for mode, share in zip(MODES, shares):
                v = rng.uniform(1e4, 1e6)
                lab = 'node_cpu_seconds_total{%s,cpu="%d",mode="%s"}' % (inst.labels, cpu, mode)
                lines = []
                for s in alive:
                    if s in inst.restart_after:
                        v = 0.0
                    v += 15 * share * rng.uniform(0.8, 1.2)
                    lines.append("%s %s %s\n" % (lab, fmt_v(v), ts_of(inst, s)))
                series += 1
                samples += len(lines)
                w("".join(lines))

    # Gauges.
    gauges = [
        ("process_resident_memory_bytes", "Resident memory size.", lambda v: max(1e7, v + rng.gauss(0, 2e6)), 3e8),
        ("queue_length", "Items waiting.", lambda v: max(0.0, float(round(v + rng.gauss(0, 3)))), 20.0),
        ("temperature_celsius", "Sensor reading; NaN when the sensor fails.",
         lambda v: v + rng.gauss(0, 0.3), 40.0),
    ]
    for name, help_, walk, init in gauges:
        w("# HELP %s %s\n# TYPE %s gauge\n" % (name, help_, name))
        for inst in insts:
            v = init * rng.uniform(0.5, 1.5)
            lab = "%s{%s}" % (name, inst.labels)
            lines = []
            for s in inst.steps():
                v = walk(v)
                out_v = math.nan if name == "temperature_celsius" and rng.random() < 0.01 else v
                lines.append("%s %s %s\n" % (lab, fmt_v(out_v), ts_of(inst, s)))
            series += 1
            samples += len(lines)
            w("".join(lines))

    # Churn: batch tasks that live 10-60 minutes, about two at a time per instance.
    w("# HELP batch_task_duration_seconds How long the running task has taken.\n"
      "# TYPE batch_task_duration_seconds gauge\n")
    task_id = 0
    for inst in insts:
        alive = inst.steps()
        if not alive:
            continue
        s0 = alive[0]
        while s0 < alive[-1]:
            life = rng.randrange(40, 240)
            task_id += 1
            lab = 'batch_task_duration_seconds{%s,task_id="t%05d"}' % (inst.labels, task_id)
            lines = []
            for s in alive:
                if s0 <= s < s0 + life:
                    lines.append("%s %s %s\n" % (lab, fmt_v((s - s0) * 15.0), ts_of(inst, s)))
            if lines:
                series += 1
                samples += len(lines)
                w("".join(lines))
            s0 += rng.randrange(40, 120)

    w("# EOF\n")
    out.close()

    meta = {
        "start_ms": start_ms,
        "end_ms": end_ms,
        "interval_ms": INTERVAL_MS,
        "series": series,
        "samples": samples,
        "jobs": sorted({i.job for i in insts}),
        "instances": [i.name for i in insts],
        "handlers": HANDLERS,
        "buckets": BUCKETS,
    }
    with open(a.out + ".meta.json", "w") as f:
        json.dump(meta, f, indent=1)
    print("generated %d series, %d samples, %d instances, %s .. %s" % (
        series, samples, n_inst, fmt_ts(start_ms), fmt_ts(end_ms)), file=sys.stderr)


if __name__ == "__main__":
    main()
