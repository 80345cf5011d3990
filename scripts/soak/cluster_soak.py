#!/usr/bin/env python3
"""HA soak driver for scripts/soak/cluster.sh: 3 `klaxon alertmanager` nodes on loopback, N alerts
churning for D minutes, one random kill -9 (and restart) a minute, a counting webhook.

Every alert a "Prometheus" fires gets a fresh `gen` label, so a notification with the same
(group, firing set, resolved set) as an earlier one is a duplicate, never a legitimate resend
(repeat_interval is 1h). Reported:
  duplicates   deliveries identical to an earlier one
  losses       alerts that fired for >= 20 s but were never notified firing, resolved alerts
               never notified resolved, and groups whose last delivery is not their final state
  convergence  per restart: seconds until the node sees 3 members and /-/ready is 200;
               after the churn: seconds until every group's final state was delivered
  RSS          per node, max and last (VmRSS)
"""
import argparse, http.server, json, os, random, signal, subprocess, sys, threading, time
import urllib.request

p = argparse.ArgumentParser()
p.add_argument("--bin", required=True)
p.add_argument("--work", required=True)
p.add_argument("--alerts", type=int, default=10000)
p.add_argument("--groups", type=int, default=500)
p.add_argument("--minutes", type=float, default=10)
p.add_argument("--churn", type=float, default=0.005, help="share of alerts replaced per second")
p.add_argument("--kill-every", type=float, default=60)
a = p.parse_args()

def free_port():
    import socket
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    return port

def now_iso(offset=0.0):
    t = time.time() + offset
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)

# ------------------------------------------------------------------ webhook
deliveries = []  # (t, group, frozenset firing ids, frozenset resolved ids)
lock = threading.Lock()

class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            v = json.loads(body)
            grp = v["groupLabels"].get("alertname", "")
            fir = frozenset(x["labels"]["id"] for x in v["alerts"] if x["status"] == "firing")
            res = frozenset(x["labels"]["id"] for x in v["alerts"] if x["status"] == "resolved")
            with lock:
                deliveries.append((time.time(), grp, fir, res))
        except Exception as e:  # a malformed payload is a finding, not a crash
            print("bad webhook payload:", e, file=sys.stderr)
        self.send_response(200); self.end_headers()
    def log_message(self, *args):
        pass

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=srv.serve_forever, daemon=True).start()
hook_url = "http://127.0.0.1:%d/" % srv.server_address[1]

# ------------------------------------------------------------------ nodes
config = f"""route:
  receiver: hook
  group_by: [alertname]
  group_wait: 5s
  group_interval: 10s
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: '{hook_url}'
    send_resolved: true
    max_alerts: 0
"""
nodes = []
for i in range(3):
    d = os.path.join(a.work, f"n{i}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.yml"), "w") as f:
        f.write(config)
    nodes.append({"name": f"n{i}", "dir": d, "web": free_port(), "cl": free_port(), "proc": None,
                  "rss_max": 0, "rss_last": 0, "starts": 0})

def args(n):
    peers = [f"--cluster.peer=127.0.0.1:{m['cl']}" for m in nodes if m is not n]
    return [a.bin, "alertmanager", "--config.file", os.path.join(n["dir"], "config.yml"),
            "--storage.path", os.path.join(n["dir"], "data"),
            "--web.listen-address", f"127.0.0.1:{n['web']}",
            "--cluster.listen-address", f"127.0.0.1:{n['cl']}", "--cluster.peer-name", n["name"],
            "--cluster.peer-timeout", "3s", "--cluster.gossip-interval", "200ms",
            "--cluster.pushpull-interval", "10s", "--cluster.settle-timeout", "5s",
            "--cluster.reconnect-interval", "2s", "--log.level", "info"] + peers

def start(n):
    n["starts"] += 1
    log = open(os.path.join(n["dir"], f"stderr.{n['starts']}.log"), "w")
    n["proc"] = subprocess.Popen(args(n), stdout=subprocess.DEVNULL, stderr=log)

def get(n, path, timeout=5):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{n['web']}{path}", timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except Exception:
        return None, b""

def formed(n):
    st, body = get(n, "/api/v2/status")
    if st != 200:
        return False
    c = json.loads(body)["cluster"]
    return len(c.get("peers", [])) == 3 and c.get("status") == "ready" and get(n, "/-/ready")[0] == 200

def post(n, alerts):
    if n["proc"] is None:
        return
    data = json.dumps(alerts).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{n['web']}/api/v2/alerts", data=data,
                                 headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=30).read()
    except Exception:
        pass

def sample_rss():
    for n in nodes:
        if n["proc"] is None:
            continue
        try:
            with open(f"/proc/{n['proc'].pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
                        n["rss_last"] = kb
                        n["rss_max"] = max(n["rss_max"], kb)
        except OSError:
            pass

def stop_all():
    for n in nodes:
        if n["proc"]:
            n["proc"].kill()
            n["proc"].wait()
            n["proc"] = None

import atexit
atexit.register(stop_all)

for n in nodes:
    start(n)
t = time.time()
while not all(formed(n) for n in nodes):
    if time.time() - t > 120:
        sys.exit("cluster did not form within 120s")
    time.sleep(0.2)
print(f"cluster formed in {time.time() - t:.1f}s; webhook {hook_url}", flush=True)

# ------------------------------------------------------------------ alerts
gen = 0
active = {}      # id -> (group, started)
resolved = {}    # id -> (group, resolved_at)  (re-sent for 2 minutes)
def new_alert(slot):
    global gen
    gen += 1
    aid = f"a{slot}-{gen}"
    active[aid] = (f"g{slot % a.groups:04d}", time.time(), slot)
for slot in range(a.alerts):
    new_alert(slot)

def payload(aid, grp, resolved_at=None):
    al = {"labels": {"alertname": grp, "id": aid, "severity": "page"},
          "annotations": {"summary": "soak"}}
    if resolved_at is None:
        al["endsAt"] = now_iso(180)
    else:
        al["startsAt"] = now_iso(-600)
        al["endsAt"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(resolved_at))
    return al

def resend_all():
    batch = [payload(aid, g) for aid, (g, _, _) in active.items()]
    batch += [payload(aid, g, r) for aid, (g, r) in resolved.items()]
    for n in nodes:
        for i in range(0, len(batch), 2000):
            post(n, batch[i:i + 2000])

fired_long = {}   # id -> group: alerts that fired for >= 20 s
resend_all()
start_t = time.time()
end_t = start_t + a.minutes * 60
next_resend = start_t + 30
next_kill = start_t + a.kill_every
rejoin = []
kills = 0
kill_times = []
while time.time() < end_t:
    tick = time.time()
    sample_rss()
    # churn: resolve some, fire their replacements
    k = max(1, int(a.alerts * a.churn))
    changed = []
    for aid in random.sample(list(active), k):
        grp, started, slot = active.pop(aid)
        if tick - started >= 20:
            fired_long[aid] = grp
        resolved[aid] = (grp, tick)
        changed.append(payload(aid, grp, tick))
        new_alert(slot)
    for aid, (g, st, slot) in list(active.items())[-k:]:
        changed.append(payload(aid, g))
    for n in nodes:
        post(n, changed)
    for aid in [x for x, (_, r) in resolved.items() if tick - r > 120]:
        del resolved[aid]
    if tick >= next_resend:
        resend_all()
        next_resend = tick + 30
    if tick >= next_kill:
        victim = random.choice(nodes)
        victim["proc"].send_signal(signal.SIGKILL); victim["proc"].wait(); victim["proc"] = None
        kills += 1
        kill_times.append(tick - start_t)
        print(f"t={tick - start_t:.0f}s kill -9 {victim['name']}", flush=True)
        time.sleep(2)
        start(victim)
        t0 = time.time()
        while not formed(victim) and time.time() - t0 < 120:
            time.sleep(0.2)
        rejoin.append((victim["name"], time.time() - t0))
        print(f"  {victim['name']} back, ready with 3 members after {time.time() - t0:.1f}s", flush=True)
        resend_all()
        next_kill = time.time() + a.kill_every
    time.sleep(max(0, 1 - (time.time() - tick)))

# ------------------------------------------------------------------ drain and judge
churn_end = time.time()
for aid, (grp, started, _) in active.items():
    if churn_end - started >= 20:
        fired_long[aid] = grp
final_firing = {}
for aid, (grp, _, _) in active.items():
    final_firing.setdefault(grp, set()).add(aid)
resend_all()
def last_by_group():
    last = {}
    with lock:
        for (tt, grp, fir, res) in deliveries:
            last[grp] = (tt, fir)
    return last
converged_at = None
deadline = churn_end + 180
while time.time() < deadline:
    last = last_by_group()
    if all(last.get(g, (0, frozenset()))[1] == frozenset(ids) for g, ids in final_firing.items()):
        converged_at = time.time()
        break
    time.sleep(1)
time.sleep(15)  # late duplicates
sample_rss()

with lock:
    ds = list(deliveries)
# A duplicate is a delivery identical to the group's previous one: one node alone never sends
# that (dedup against its own last entry), so it is two peers sending the same notification.
# An identical delivery further back ("repeat") happens on one node too: the resend loop
# re-posts resolved alerts for 2 minutes, which puts them back into their group (upstream
# does the same).
seen = set(); dups = 0; repeats = 0; prev = {}; dup_times = []
notified_firing = set(); notified_resolved = set()
for (tt, grp, fir, res) in ds:
    key = (grp, fir, res)
    if prev.get(grp) == (fir, res):
        dups += 1
        dup_times.append(tt - start_t)
    elif key in seen:
        repeats += 1
    prev[grp] = (fir, res)
    seen.add(key)
    notified_firing |= fir
    notified_resolved |= res
ever_resolved = set(resolved) | {x for x in fired_long if x not in active}
lost_firing = [x for x in fired_long if x not in notified_firing]
lost_resolved = [x for x in ever_resolved if x in notified_firing and x not in notified_resolved
                 and x not in active]
last = last_by_group()
stale_groups = [g for g, ids in final_firing.items() if last.get(g, (0, frozenset()))[1] != frozenset(ids)]

print()
print(f"duration            {a.minutes} min churn, {a.alerts} alerts in {a.groups} groups, "
      f"{k}/s replaced, {kills} kill -9")
print(f"deliveries          {len(ds)}")
print(f"duplicates          {dups}" + (f" (at t={', '.join(f'{x:.0f}' for x in dup_times[:20])}s)" if dups else ""))
print(f"repeats             {repeats} (older content again, after resolved alerts were re-posted)")
print(f"kills at            " + ", ".join(f"t={x:.0f}s" for x in kill_times))
print(f"lost firing         {len(lost_firing)} of {len(fired_long)} alerts that fired >= 20s")
print(f"lost resolved       {len(lost_resolved)} (resolved alerts notified firing but never resolved; "
      f"resolved sent for 2 min only)")
print(f"groups not final    {len(stale_groups)} of {len(final_firing)}")
for name, secs in rejoin:
    print(f"rejoin              {name}: ready with 3 members {secs:.1f}s after restart")
print("final convergence   " + (f"{converged_at - churn_end:.1f}s after the churn stopped"
                                if converged_at else "NOT within 180s"))
for n in nodes:
    print(f"RSS {n['name']}              max {n['rss_max'] / 1024:.0f} MiB, last {n['rss_last'] / 1024:.0f} MiB")
for n in nodes:
    if n["proc"]:
        n["proc"].terminate()
for n in nodes:
    if n["proc"]:
        n["proc"].wait(timeout=30)
sys.exit(1 if dups or lost_firing or stale_groups else 0)
