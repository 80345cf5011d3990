#!/usr/bin/env python3
"""Synthetic scrape targets for the side-by-side scripts.

Serves N targets on consecutive ports from --port, each exposing --series series in the
Prometheus text format (0.0.4): counters that grow by varying steps, gauges that wander, and
one classic histogram family, so that what a store keeps looks like real data to its
compression. Values advance once per --step seconds of wall time, so two scrapers hitting the
same target within one step see the same numbers.

Usage: synthetic_exporter.py --port 20000 --targets 10 --series 10000 [--step 15]
"""
import argparse
import http.server
import random
import socketserver
import threading
import time


def render(target, series, tick):
    rnd = random.Random(target * 1_000_003 + tick)
    out = []
    counters = series * 6 // 10
    gauges = series * 3 // 10
    buckets = series - counters - gauges
    out.append("# HELP synth_requests_total Requests handled.\n# TYPE synth_requests_total counter\n")
    for i in range(counters):
        # A counter that grows by a per-series rate with jitter; the same tick gives the same value.
        base = (i % 97 + 1) * tick
        out.append('synth_requests_total{path="/p%d",code="%d"} %d\n' % (i // 5, 200 + i % 5, base + (i * 7 + tick) % 3))
    out.append("# HELP synth_queue_depth Items waiting.\n# TYPE synth_queue_depth gauge\n")
    for i in range(gauges):
        out.append('synth_queue_depth{queue="q%d"} %g\n' % (i, round(50 + 40 * rnd.random(), 2)))
    out.append("# HELP synth_latency_seconds Latency.\n# TYPE synth_latency_seconds histogram\n")
    les = ["0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "+Inf"]
    per = len(les) + 2
    for h in range(max(1, buckets // per)):
        total = 0
        for j, le in enumerate(les):
            total += (h % 5 + j + 1) * tick
            out.append('synth_latency_seconds_bucket{handler="h%d",le="%s"} %d\n' % (h, le, total))
        out.append('synth_latency_seconds_sum{handler="h%d"} %g\n' % (h, total * 0.07))
        out.append('synth_latency_seconds_count{handler="h%d"} %d\n' % (h, total))
    return "".join(out).encode()


class Cache:
    def __init__(self, target, series, step):
        self.target, self.series, self.step = target, series, step
        self.tick, self.body = None, b""
        self.lock = threading.Lock()

    def get(self):
        tick = int(time.time() // self.step)
        with self.lock:
            if tick != self.tick:
                self.tick, self.body = tick, render(self.target, self.series, tick)
            return self.body


def serve(port, cache):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = cache.get()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    Server(("127.0.0.1", port), Handler).serve_forever()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--targets", type=int, default=1)
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--step", type=float, default=15)
    a = ap.parse_args()
    for t in range(a.targets):
        threading.Thread(target=serve, args=(a.port + t, Cache(t, a.series, a.step)), daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
