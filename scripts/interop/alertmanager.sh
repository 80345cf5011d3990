#!/usr/bin/env bash
# Interop: klaxon's Alertmanager driven by the real tools.
#
#   1. `amtool check-config` (Debian's Alertmanager 0.25) and `klaxon check alertmanager`
#      accept every example config in examples/alertmanager/ and examples/*/alertmanager.yml.
#   2. `klaxon alertmanager` starts; `amtool --alertmanager.url=...` adds and queries alerts;
#      adds, queries, expires and imports silences; reads the running config's routes
#      (`config routes show`) and tests them (`config routes test`).
#   3. A real Prometheus (Debian's 2.42) with a rule that fires at once (`vector(1)`) pushes its
#      alert to klaxon, and klaxon notifies a mock webhook (a small python3 http.server).
#
# Installs `prometheus-alertmanager` and `prometheus` with apt-get when missing (sudo when not
# root). Idempotent; every process it starts is stopped by the EXIT trap. Exits non-zero on
# the first mismatch, printing what differed and klaxon's log.
#
# Usage: scripts/interop/alertmanager.sh        (KEEP=1 keeps the work dir; KLAXON_BIN=path
#        skips the cargo build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# ---------------------------------------------------------------------------------------------
# Tools
. "$root/scripts/lib/common.sh"
need_pkg amtool prometheus-alertmanager
need_pkg prometheus prometheus
need_pkg python3 python3
echo "amtool: $(amtool --version 2>&1 | head -1)" >&2
echo "prometheus: $(prometheus --version 2>&1 | head -1)" >&2

klaxon="${KLAXON_BIN:-}"
if [ -z "$klaxon" ]; then
    (cd "$root" && cargo build -q -p klaxon)
    klaxon="$root/target/debug/klaxon"
fi

start_workdir

fail() {
    echo "FAIL: $*" >&2
    if [ -f "$work/klaxon.log" ]; then
        echo "--- klaxon log (tail) ---" >&2
        tail -n 40 "$work/klaxon.log" >&2
    fi
    exit 1
}
pass() { echo "ok: $*"; }

# Waits up to $1 seconds for the command in "$@" (after $1) to succeed.
wait_for() {
    local secs="$1"; shift
    local end=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.2
    done
}

# ---------------------------------------------------------------------------------------------
# 1. The example configs
for f in "$root"/examples/alertmanager/*.yml "$root"/examples/*/alertmanager.yml; do
    out="$(amtool check-config "$f" 2>&1)" || fail "amtool check-config $f:"$'\n'"$out"
    out="$("$klaxon" check alertmanager "$f" 2>&1)" || fail "klaxon check alertmanager $f:"$'\n'"$out"
    pass "check-config $(basename "$f") (amtool and klaxon)"
done

# ---------------------------------------------------------------------------------------------
# 2. klaxon alertmanager + a mock webhook
cat >"$work/webhook.py" <<'PY'
# Records each POSTed webhook payload as one JSON line in the file named by argv[2].
import http.server, json, sys
out = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "a") as f:
            f.write(json.dumps(json.loads(body)) + "\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1], "w") as f: f.write(str(srv.server_address[1]))
srv.serve_forever()
PY
: >"$work/notifications.jsonl"
python3 "$work/webhook.py" "$work/webhook.port" "$work/notifications.jsonl" &
pids+=($!)
wait_for 10 test -s "$work/webhook.port" || fail "mock webhook did not start"
webhook="http://127.0.0.1:$(cat "$work/webhook.port")/"

cat >"$work/alertmanager.yml" <<EOF
route:
  receiver: webhook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
  - matchers: [severity="critical"]
    receiver: pager
  - matchers: [team="db"]
    receiver: db-team
    continue: true
  - matchers: [team=~"db|storage"]
    receiver: storage-team
receivers:
- name: webhook
  webhook_configs:
  - url: '$webhook'
- name: pager
  webhook_configs:
  - url: '$webhook'
- name: db-team
- name: storage-team
EOF
"$klaxon" alertmanager --config.file "$work/alertmanager.yml" --storage.path "$work/am-data" \
    --web.listen-address 127.0.0.1:0 --cluster.listen-address= \
    --web.external-url http://klaxon.interop.test/ 2>"$work/klaxon.log" &
pids+=($!)
wait_for 30 grep -q 'Listening on' "$work/klaxon.log" || fail "klaxon did not log 'Listening on'"
addr="$(grep -m1 'Listening on' "$work/klaxon.log" | sed -n 's/.*address=\([^ ]*\).*/\1/p')"
url="http://$addr"
wait_for 10 curl -fsS "$url/-/ready" || fail "klaxon not ready at $url"
pass "klaxon alertmanager listening on $addr"
am() { amtool --no-version-check --alertmanager.url="$url" "$@"; }

# Alerts
am alert add InteropAlert severity=warning instance=host1 --annotation=summary=interop \
    || fail "amtool alert add"
out="$(am alert query)" || fail "amtool alert query"
grep -q InteropAlert <<<"$out" || fail "alert query does not list InteropAlert:"$'\n'"$out"
out="$(am alert query -o json InteropAlert)"
python3 - "$out" <<'PY' || fail "alert query -o json InteropAlert: $out"
import json, sys
a = json.loads(sys.argv[1])
assert len(a) == 1, a
assert a[0]["labels"] == {"alertname": "InteropAlert", "severity": "warning", "instance": "host1"}, a
assert a[0]["annotations"] == {"summary": "interop"}, a
assert a[0]["status"]["state"] == "active", a
assert [r["name"] for r in a[0]["receivers"]] == ["webhook"], a
PY
out="$(am alert query severity=critical)"
grep -q InteropAlert <<<"$out" && fail "severity=critical query matched the warning alert"
# klaxon notifies the webhook (group_wait 1s) before the silences below mute the alert.
wait_for 10 grep -q InteropAlert "$work/notifications.jsonl" ||
    fail "no webhook notification for InteropAlert"
pass "amtool alert add / query; webhook notified"

# Silences
sid="$(am silence add -a interop -c 'interop test' -d 1h alertname=InteropAlert)" \
    || fail "amtool silence add"
[[ "$sid" =~ ^[0-9a-f-]{36}$ ]] || fail "silence add printed '$sid', not an id"
out="$(am silence query)"
grep -q "$sid" <<<"$out" || fail "silence query does not list $sid:"$'\n'"$out"
grep -q 'alertname="InteropAlert"' <<<"$out" || fail "silence query matchers:"$'\n'"$out"
out="$(am silence query -q InteropAlert)"
[ "$out" = "$sid" ] || fail "silence query -q InteropAlert: '$out'"
out="$(am alert query -s -o json InteropAlert)"
python3 - "$out" "$sid" <<'PY' || fail "silenced alert state: $out"
import json, sys
a = json.loads(sys.argv[1])
assert a[0]["status"]["state"] == "suppressed" and a[0]["status"]["silencedBy"] == [sys.argv[2]], a
PY
am silence query -o json >"$work/silences.json"
am silence expire "$sid" || fail "amtool silence expire"
out="$(am silence query -q)"
[ -z "$out" ] || fail "expired silence still listed as active: $out"
out="$(am silence query --expired -q)"
grep -q "$sid" <<<"$out" || fail "silence query --expired does not list $sid"
out="$(am silence import "$work/silences.json" 2>&1)" || fail "amtool silence import: $out"
new_ids="$(am silence query -q)"
[ "$(wc -l <<<"$new_ids")" = 1 ] && [ "$new_ids" != "$sid" ] ||
    fail "import did not create one new silence: '$new_ids'"
printf 'not json' >"$work/bad.json"
out="$(am silence import "$work/bad.json" 2>&1)" && fail "importing garbage succeeded"
grep -q "couldn't unmarshal" <<<"$out" || fail "import garbage message: $out"
pass "amtool silence add / query / expire / import"

# Routes of the running config. amtool reads them from /api/v2/status, whose YAML has the
# 0.34 shape (new keys such as slack_app_url, receivers' labels, url_file; webhook URLs as
# <secret>), which amtool 0.25's strict parser rejects - as it rejects a real 0.34's. Then the
# served config is checked through a copy made 0.25-compatible: every key 0.25 names as unknown
# is removed (with its block) and <secret> URLs get a placeholder.
routes_cfg=()
if ! out="$(am config routes show 2>&1)"; then
    echo "note: amtool 0.25 cannot parse the 0.34-shaped config ($out); using a 0.25-compatible copy of the served config" >&2
    curl -fsS "$url/api/v2/status" | python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["config"]["original"])' \
        | sed 's|: <secret>$|: http://secret.invalid/|' >"$work/served.yml"
    for _ in 1 2 3 4 5; do
        errs="$(amtool check-config "$work/served.yml" 2>&1)" && break
        python3 - "$work/served.yml" "$errs" <<'PY'
import re, sys
path, errs = sys.argv[1], sys.argv[2]
lines = open(path).read().split("\n")
ind = lambda l: len(l) - len(l.lstrip())
drop = set()
for n in {int(m) for m in re.findall(r"line (\d+): field \S+ not found", errs)}:
    i = n - 1
    drop.add(i)
    block = lines[i].rstrip().endswith(":")  # the value is the block below
    j = i + 1
    while j < len(lines) and (not lines[j].strip() or ind(lines[j]) > ind(lines[i])
                              or (block and ind(lines[j]) == ind(lines[i])
                                  and lines[j].lstrip().startswith("- "))):
        drop.add(j)
        j += 1
open(path, "w").write("\n".join(l for k, l in enumerate(lines) if k not in drop))
PY
    done
    amtool check-config "$work/served.yml" >/dev/null || fail "served config still not 0.25-compatible: $(amtool check-config "$work/served.yml" 2>&1)"
    routes_cfg=(--config.file "$work/served.yml")
    out="$(amtool config routes show "${routes_cfg[@]}")" || fail "amtool config routes show (served copy)"
fi
for want in 'Routing tree:' 'default-route  receiver: webhook' '{severity="critical"}  receiver: pager' \
    '{team="db"}  continue: true  receiver: db-team' '{team=~"db|storage"}  receiver: storage-team'; do
    grep -qF -- "$want" <<<"$out" || fail "routes show lacks '$want':"$'\n'"$out"
done
rt() { if [ ${#routes_cfg[@]} -gt 0 ]; then amtool config routes test "${routes_cfg[@]}" "$@"; else am config routes test "$@"; fi; }
out="$(rt severity=critical)"
[ "$out" = pager ] || fail "routes test severity=critical: '$out'"
out="$(rt team=db)"
[ "$out" = "db-team,storage-team" ] || fail "routes test team=db: '$out'"
rt --verify.receivers=pager severity=critical >/dev/null ||
    fail "routes test --verify.receivers=pager"
out="$(rt '{foo=bar}' 2>&1)" && fail "routes test with braces succeeded"
grep -q 'Failed to parse labels' <<<"$out" || fail "routes test {foo=bar}: $out"
out="$(am config show)" || fail "amtool config show"
grep -q 'receiver: webhook' <<<"$out" || fail "config show:"$'\n'"$out"
pass "amtool config show / routes show / routes test"


# ---------------------------------------------------------------------------------------------
# 3. A real Prometheus pushing to klaxon
mkdir -p "$work/prom"
cat >"$work/prom/rules.yml" <<'EOF'
groups:
- name: interop
  interval: 1s
  rules:
  - alert: PrometheusToKlaxon
    expr: vector(1)
    labels:
      severity: critical
    annotations:
      summary: 'fired by a real Prometheus'
EOF
cat >"$work/prom/prometheus.yml" <<EOF
global:
  evaluation_interval: 1s
rule_files: ['$work/prom/rules.yml']
alerting:
  alertmanagers:
  - api_version: v2
    static_configs:
    - targets: ['$addr']
EOF
# Its first send can come before it has discovered the target (counted as dropped): resend
# every 2s instead of the default minute.
prometheus --config.file "$work/prom/prometheus.yml" --storage.tsdb.path "$work/prom/data" \
    --web.listen-address 127.0.0.1:0 --rules.alert.resend-delay=2s >"$work/prometheus.log" 2>&1 &
pids+=($!)
wait_for 60 grep -q PrometheusToKlaxon "$work/notifications.jsonl" || {
    tail -n 20 "$work/prometheus.log" >&2
    fail "no webhook notification for Prometheus' alert within 60s"
}
python3 - "$work/notifications.jsonl" <<'PY' || fail "the Prometheus notification's payload"
import json, sys
for line in open(sys.argv[1]):
    n = json.loads(line)
    if n["groupLabels"].get("alertname") != "PrometheusToKlaxon":
        continue
    assert n["receiver"] == "pager", n
    assert n["status"] == "firing", n
    assert n["version"] == "4", n
    assert n["externalURL"] == "http://klaxon.interop.test", n
    assert n["groupKey"] == '{}/{severity="critical"}:{alertname="PrometheusToKlaxon"}', n
    a = n["alerts"][0]
    assert a["labels"]["alertname"] == "PrometheusToKlaxon", a
    assert a["annotations"]["summary"] == "fired by a real Prometheus", a
    assert "/graph?g0.expr=" in a["generatorURL"], a
    assert a["endsAt"] == "0001-01-01T00:00:00Z", a
    break
else:
    raise SystemExit("no PrometheusToKlaxon notification")
PY
out="$(am alert query -o json PrometheusToKlaxon)"
grep -q '"severity":"critical"' <<<"${out// /}" || fail "klaxon's API lacks Prometheus' alert: $out"
pass "Prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') -> klaxon -> webhook"

echo "PASS: alertmanager interop"
