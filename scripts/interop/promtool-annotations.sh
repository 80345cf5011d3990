#!/usr/bin/env bash
# Cross-checks klaxon's Prometheus template corpus against a real Prometheus: Debian's promtool
# (2.42) renders the annotation of every case it can run, and each must equal the output the
# Go oracle recorded (crates/template/tests/data/prometheus/expected.txt), which klaxon matches
# byte for byte (tests/prometheus_oracle.rs).
#
# promtool renders annotations through its `test rules`: one alerting rule per case over a
# series carrying the cases' labels and value, and an `exp_annotations` that cannot match, so
# that the failure report prints what was rendered.
#
# Skipped: cases whose data or options differ from the default, error cases (their texts name
# the alert), and functions that 2.42 lacks or defines differently from Prometheus 3
# (`toDuration now urlQueryEscape` are newer; `title` was strings.Title; `externalURL
# pathPrefix` are nil in promtool; `query` would see promtool's series, not the fake engine).
#
# Known differences, from 2.42 being older than Prometheus 3 (reported, not failures):
# `parseDuration` rejects negative durations, and `.ExternalURL` is empty in promtool (the
# `$externalURL` variable is set). Any other difference fails the script.
#
# Needs promtool: installs Debian's `prometheus` package when it is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if ! command -v promtool >/dev/null; then
    apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
work="$(mktemp -d)"
trap '[[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT
python3 - "$root/crates/template/tests/data/prometheus" "$work" <<'PY'
import json, re, subprocess, sys
from collections import defaultdict

data_dir, work = sys.argv[1], sys.argv[2]

def sections(path):
    cases, cur, sec, buf = [], None, None, []
    def flush():
        if cur is not None and sec is not None:
            cur[1][sec] = "\n".join(buf)
    lines = open(path, encoding="utf-8").read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        if line.startswith("=== "):
            flush(); buf = []
            cur = (line[4:].strip(), {}); cases.append(cur); sec = None
        elif line.startswith("--- "):
            flush(); buf = []; sec = line[4:].strip()
        elif cur is not None:
            buf.append(line)
    flush()
    return cases

cases = sections(f"{data_dir}/cases.txt")
expected = dict(sections(f"{data_dir}/expected.txt"))
DEFAULT = {"labels": {"instance": "node1.example.com:9100", "job": "node", "severity": "critical"},
           "externalLabels": {"cluster": "eu-west-1", "replica": "a"},
           "externalURL": "http://prometheus.example.com:9090/prom"}
SKIP = re.compile(r"\b(toDuration|now|urlQueryEscape|title|externalURL|pathPrefix|query|first|tmpl)\b")

groups = defaultdict(list)
for name, s in cases:
    d = json.loads(s["data"])
    value = d.pop("value", 0)
    if d != DEFAULT or s.get("options") or SKIP.search(s["template"]) or "error" in expected[name]:
        continue
    groups[str(value)].append((name, s["template"]))

def go_unquote(q):
    out, i, q = bytearray(), 0, q[1:-1]
    simple = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92, '"': 34, "'": 39}
    while i < len(q):
        c = q[i]
        if c != "\\":
            out += c.encode(); i += 1; continue
        e = q[i + 1]
        if e in simple:
            out.append(simple[e]); i += 2
        elif e == "x":
            out.append(int(q[i + 2:i + 4], 16)); i += 4
        elif e in "uU":
            n = 4 if e == "u" else 8
            out += chr(int(q[i + 2:i + 2 + n], 16)).encode(); i += 2 + n
        else:
            raise ValueError(f"escape \\{e}")
    return out.decode("utf-8", "replace")

KNOWN = ("parseDuration/-", "env/data")
total = agree = 0
diffs, known = [], []
for value, items in sorted(groups.items()):
    rules = ["groups:", "  - name: g", "    rules:"]
    tests = ["rule_files: [rules.yml]", "evaluation_interval: 1m", "tests:", "  - interval: 1m",
             "    external_labels: " + json.dumps(DEFAULT["externalLabels"]),
             "    input_series:",
             "      - series: 'm" + json.dumps(DEFAULT["labels"]).replace('": "', '="').replace('", "', '", ')
             .replace('{"', "{") + "'",
             f"        values: '{value} {value}'", "    alert_rule_test:"]
    for i, (name, text) in enumerate(items):
        rules += [f"      - alert: C{i}", "        expr: m * 1", "        annotations:",
                  "          a: " + json.dumps(text)]
        tests += ["      - eval_time: 1m", f"        alertname: C{i}", "        exp_alerts:",
                  "          - exp_labels: " + json.dumps(DEFAULT["labels"]),
                  "            exp_annotations: {a: \"\\u0000never\"}"]
    open(f"{work}/rules.yml", "w").write("\n".join(rules) + "\n")
    open(f"{work}/test.yml", "w").write("\n".join(tests) + "\n")
    r = subprocess.run(["promtool", "test", "rules", "test.yml"], cwd=work, capture_output=True,
                       text=True)
    out = r.stdout + r.stderr
    got = {}
    for m in re.finditer(r'alertname: (C\d+), time: 1m,.*?got:\[.*?Annotations:\{a=("(?:[^"\\]|\\.)*")\}', out, re.S):
        got[int(m.group(1)[1:])] = go_unquote(m.group(2))
    if not got:
        sys.exit(f"promtool rendered nothing for value {value}:\n{out[:3000]}")
    for i, (name, text) in enumerate(items):
        total += 1
        want = expected[name].get("output", "")
        if got.get(i) == want:
            agree += 1
        else:
            diff = f"{name}\n  template: {text!r}\n  oracle:   {want!r}\n  promtool: {got.get(i)!r}"
            (known if name.startswith(KNOWN) else diffs).append(diff)
if known:
    print("known differences (promtool 2.42 is older than Prometheus 3):\n" + "\n".join(known))
if diffs:
    print("UNEXPECTED differences:\n" + "\n".join(diffs))
print(f"promtool: {agree} of {total} cases agree with the Go oracle; "
      f"{len(known)} known differences, {len(diffs)} unexpected")
sys.exit(1 if diffs else 0)
PY
