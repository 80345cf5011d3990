#!/usr/bin/env python3
"""Writes the Prometheus template cases (crates/template/tests/data/prometheus/cases.txt) to
stdout: every function with edge values and argument types, the query helpers over the fake
query engine, and real-world annotation texts. regen.sh runs it, then the Go oracle."""

import json

DEFAULT_DATA = {
    "labels": {"instance": "node1.example.com:9100", "job": "node", "severity": "critical"},
    "externalLabels": {"cluster": "eu-west-1", "replica": "a"},
    "externalURL": "http://prometheus.example.com:9090/prom",
    "value": 1,
}

cases = []


def case(name, template, value=None, data=None, options=""):
    d = json.loads(json.dumps(data if data is not None else DEFAULT_DATA))
    if value is not None:
        d["value"] = value
    cases.append((name, options, template, json.dumps(d, sort_keys=True)))


# Values as strings: parsed with strconv.ParseFloat on both sides, so no JSON rounding.
VALUES = [
    "0", "-0", "NaN", "+Inf", "-Inf", "1", "-1", "0.5", "-0.5", "0.1", "0.01", "0.001",
    "0.000999", "1e-5", "0.0012345", "1e-9", "1e-24", "1e-27", "1e-30", "-1e-30", "5e-324",
    "999", "999.95", "999.99", "1000", "1001", "1023", "1024", "1025", "1048576", "12345.678",
    "1234567", "-1234567", "123456789012", "9.999e20", "1e24", "1e27", "1e30", "-1e30",
    "1.7976931348623157e308", "9007199254740993", "1.5", "59.9999", "60", "61.5", "3599.99",
    "3600", "86399.9", "86400", "34560000", "-34563661.5", "1435065584.128", "1700000000",
    "-1700000000.5", "9223372036.854775807", "9223372037", "-9223372037", "253402300800",
]

FUNCS = ["humanize", "humanize1024", "humanizeDuration", "humanizePercentage",
         "humanizeTimestamp", "toTime", "toDuration"]

for f in FUNCS:
    for v in VALUES:
        case(f"{f}/value={v}", "{{ " + f + " $value }}", value=v)

# Argument kinds: ConvertToFloat's type switch and strconv.ParseFloat's errors.
ARGS = [
    ("int", "1234"), ("negint", "-5"), ("float", "1234.5"), ("floatexp", "1e3"),
    ("hexint", "0x10"), ("rune", "'a'"), ("maxint", "9223372036854775807"),
    ("str", '"1234"'), ("strexp", '"1e3"'), ("strhex", '"0x1p10"'), ("strneg", '"-0.25"'),
    ("strinf", '"-Inf"'), ("strnan", '"nan"'), ("strinfinity", '"infinity"'),
    ("strbad", '"abc"'), ("strempty", '""'), ("strspace", '" 1"'), ("strrange", '"1e400"'),
    ("strunderscore", '"1_000"'), ("strplusnan", '"+NaN"'), ("strdot", '"."'),
    ("bool", "true"), ("nil", "nil"), ("labels", "$labels"), ("labelvalue", "$labels.job"),
    ("missinglabel", "$labels.nope"), ("duration", "(toDuration 90.5)"),
    ("parsed", '(parseDuration "1h")'), ("now", "now"), ("safehtml", '(safeHtml "1")'),
    ("dotvalue", ".Value"), ("extlabels", ".ExternalLabels"), ("exturl", ".ExternalURL"),
]
for f in ["humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp",
          "toDuration", "toTime"]:
    for name, a in ARGS:
        case(f"{f}/arg={name}", "{{ " + f + " " + a + " }}")
for f in ["humanize", "humanizeDuration", "toTime"]:
    case(f"{f}/noargs", "{{ " + f + " }}")
    case(f"{f}/twoargs", "{{ " + f + " 1 2 }}")
    case(f"{f}/piped", "{{ 1234.5678 | " + f + " }}")

case("toTime/format", '{{ (toTime 1435065584.128).Format "2006-01-02T15:04:05.000Z07:00" }}')
case("toTime/unix", "{{ (toTime 1435065584.9).Unix }}")
case("toTime/sub", "{{ ((toTime 100).Sub (toTime 40)).Seconds }}")
case("toDuration/methods", "{{ (toDuration 5400).Minutes }} {{ (toDuration 0.25).String }}")
case("toDuration/nan", "{{ toDuration (humanize \"x\") }}")

for s in ["1h", "-1h30m", "0", "-0", "", "-", "1x", "1m1h", "1.5h", "100ms", "1y2w3d4h5m6s7ms",
          "300y", "292y", "10s5", "5M", "1d", "-5m", "+5m", " 5m", "1h0m", "2562047h"]:
    case(f"parseDuration/{s or 'empty'}", "{{ parseDuration " + json.dumps(s) + " }}")
case("parseDuration/humanized", '{{ parseDuration "90m" | humanizeDuration }}')

STRINGS = ["hello world", "", "HELLO", "don't stop", "foo.bar foo..bar", "a:b::c", "snake_case kebab-case",
           "iPHONE 1st 2nd", "x/y,z;w", "ßtraße", "ǆemal ǅ Ǆ", "ﬁne ﬂow", "émile zola", "ΆΛΦΑ ωμέγα",
           "ᾳ ᾀ", "tbilisi თბილისი", "日本abc", "alert:HighCPU", "node_exporter down", "a\tb\nc",
           "o'neil mcdonald", "1password", "über-größe", "«quoted» words", "İstanbul", "ΣΑΣ",
           "a²b a¸b a˂b", "ὐ ᾷ ῗ ŉ ǰ", "x\u0301y z\u00ADw", "ʰa ꜰb", "ａｂｃ ｘ－ｙ", "ꞵeta ᏸ ⓐⓑ", "ǅungla ǈudi",
           "one.two:three's", "'quoted' \"double\"", "emoji🙂word", "tab\there", "ῳδή"]
for f in ["title", "toUpper", "toLower"]:
    for i, s in enumerate(STRINGS):
        case(f"{f}/{i}", "{{ " + f + " " + json.dumps(s) + " }}")
    case(f"{f}/label", "{{ $labels.instance | " + f + " }}")
    case(f"{f}/notstring", "{{ " + f + " 1 }}")

MATCH = [("^node", "node1"), ("node", "a node"), ("^node$", "node1"), ("(?i)NODE", "node"),
         ("a|b", "xyz"), ("", "x"), ("(", "x"), ("[a-", "x"), ("a{1001}", "a"), (r"\d+", "abc123"),
         (r"\bfoo\b", "a foo b"), ("(?P<x>a)", "a"), ("x*", ""), (r"\pL", "é")]
for i, (p, s) in enumerate(MATCH):
    case(f"match/{i}", "{{ match " + json.dumps(p) + " " + json.dumps(s) + " }}")
case("match/piped", '{{ $labels.instance | match "example" }}')

REPL = [("(.*):.*", "$1", "node1:9100"), ("a*", "X", "baaac"), ("", "-", "abc"), ("b", "$$", "abc"),
        ("(?P<host>[^.]+)\\..*", "${host}", "node1.example.com"), ("(a)", "$1x", "aaa"),
        ("(a)", "${1}x", "aaa"), ("(", "x", "y"), ("a", "\\1", "banana"), ("(x)?a", "[$1]", "xaa"),
        ("(?i)A", "b", "aAa"), ("\\s+", " ", "a  b\t\nc"), ("$", "!", "end"), ("^", "^", "start"),
        ("é", "e", "café"), ("(a)(b)?", "$2$1", "ab a"), ("[", "x", "y")]
for i, (p, r, s) in enumerate(REPL):
    case(f"reReplaceAll/{i}", "{{ reReplaceAll " + " ".join(json.dumps(x) for x in (p, r, s)) + " }}")
case("reReplaceAll/backquote-err", "{{ reReplaceAll \"a\\n(\" \"x\" \"y\" }}")
case("reReplaceAll/piped", '{{ $labels.instance | reReplaceAll ":.*" "" }}')

HOSTS = ["node1.example.com:9100", "node1.example.com", "localhost:9090", "localhost", "10.0.0.1:9100",
         "10.0.0.1", "[::1]:9090", "::1", "[2001:db8::1]:80", "2001:db8::1", "[fe80::1%eth0]:80",
         "host:port:extra", ":9090", "", "[::1]", "a.b.c:", "[a.b]:1", "x]:1", "[x:1", "010.0.0.1:80",
         "::ffff:1.2.3.4", "1.2.3", "node1.:80", ".example.com:80"]
for f in ["stripPort", "stripDomain"]:
    for i, h in enumerate(HOSTS):
        case(f"{f}/{i}", "{{ " + f + " " + json.dumps(h) + " }}")
    case(f"{f}/label", "{{ " + f + " $labels.instance }}")

EXPRS = ["up == 0", 'rate(http_requests_total{job="api", code=~"5.."}[5m]) > 0.1', "a+b&c=d/e?f#g%h",
         "ümlaut ~ tilde", ""]
for f in ["graphLink", "tableLink", "urlQueryEscape"]:
    for i, e in enumerate(EXPRS):
        case(f"{f}/{i}", "{{ " + f + " " + json.dumps(e) + " }}")

# Query helpers over the fake engine.
Q = [
    ("first-value", '{{ with query "up" }}{{ . | first | value }}{{ end }}'),
    ("first-label", '{{ with query "up" }}{{ . | first | label "instance" }}{{ end }}'),
    ("first-missing-label", '{{ query "up" | first | label "nope" }}|'),
    ("range", '{{ range query "up" }}{{ .Labels.instance }}={{ .Value }} {{ end }}'),
    ("range-index", '{{ range $i, $s := query "up" }}{{ $i }}:{{ $s.Labels.job }} {{ end }}'),
    ("sort", '{{ range query "up" | sortByLabel "instance" }}{{ .Labels.instance }} {{ end }}'),
    ("sort-missing", '{{ range sortByLabel "nope" (query "up") }}{{ .Labels.instance }} {{ end }}'),
    ("sort-job", '{{ range sortByLabel "job" (query "up") }}{{ label "instance" . }} {{ end }}'),
    ("len", '{{ query "up" | len }} {{ len (query "none") }}'),
    ("empty-with", '{{ with query "none" }}some{{ else }}none{{ end }}'),
    ("empty-first", '{{ query "none" | first }}'),
    ("empty-range", '{{ range query "none" }}x{{ else }}empty{{ end }}'),
    ("error", '{{ query "error" }}'),
    ("error-with", 'before {{ with query "error" }}{{ . }}{{ end }} after'),
    ("strvalue", '{{ query "build_info" | first | strvalue }}'),
    ("strvalue-none", '[{{ query "up" | first | strvalue }}]'),
    ("sum", '{{ query "sum(up)" | first | value | humanize }}'),
    ("nan", '{{ query "nan" | first | value }} {{ query "nan" | first | value | humanize }}'),
    ("big", '{{ with query "big" }}{{ . | first | value | humanize }} {{ . | first | value | humanize1024 }}{{ end }}'),
    ("print-sample", '{{ query "sum(up)" | first }}'),
    ("print-sample-labels", '{{ (query "up" | first).Labels }}'),
    ("type-result", '{{ printf "%T" (query "up") }}'),
    ("type-sample", '{{ printf "%T" (query "up" | first) }}'),
    ("type-value", '{{ printf "%T" (query "up" | first | value) }}'),
    ("field-value", '{{ (query "up" | first).Value }}'),
    ("index", '{{ (index (query "up") 1).Labels.instance }}'),
    ("disk", '{{ range query "disk_free_ratio" }}{{ .Labels.mountpoint }}: {{ .Value | humanizePercentage }} free\n{{ end }}'),
    ("first-nil", '{{ first nil }}'),
    ("sort-nil", '{{ len (sortByLabel "x" nil) }}'),
    ("label-nil", '{{ label "x" nil }}'),
    ("value-nil", '{{ value nil }}'),
    ("query-non-string", '{{ query 1 }}'),
    ("query-label", '{{ with query (printf "%s" "up") }}{{ len . }}{{ end }}'),
    ("eq-value", '{{ if eq (query "sum(up)" | first | value) 2.0 }}two{{ end }}'),
    ("gt-value", '{{ with query "up" }}{{ if gt (. | first | value) 0.5 }}up{{ else }}down{{ end }}{{ end }}'),
]
for name, t in Q:
    case(f"query/{name}", t)

# now, externalURL, pathPrefix.
for i, (url, ts) in enumerate([("http://prometheus.example.com:9090/prom", "1700000000000"),
                               ("http://localhost:9090", "0"), ("https://p.example.com/a/b/", "1435065584128"),
                               ("http://h/a%20b", "-1500"), ("", "1")]):
    d = dict(DEFAULT_DATA, externalURL=url)
    case(f"env/{i}", "{{ now }}|{{ externalURL }}|{{ pathPrefix }}|{{ $externalURL }}|{{ now | humanizeTimestamp }}",
         data=d, options=f"ts={ts}")

case("args/basic", '{{ define "x" }}{{ .arg0 }}-{{ .arg1 }}-{{ .arg2 }}{{ end }}{{ template "x" args 1 "a" $value }}')
case("args/empty", "{{ args }}")
case("args/print", '{{ args 1 "two" 3.5 nil }}')
case("safeHtml/basic", '{{ "<b>bold</b>" | safeHtml }}')
case("safeHtml/type", '{{ printf "%T" (safeHtml "x") }}')
case("tmpl/undefined", '{{ tmpl "x" . }}')

# The annotation environment: prelude variables, data fields, missing keys, errors.
ENV = [
    ("labels", "{{ $labels }}"),
    ("labels-field", "{{ .Labels.instance }} {{ .Labels.nope }}|"),
    ("labels-missing", "[{{ $labels.nope }}]"),
    ("labels-index", '{{ index $labels "job" }}'),
    ("external", "{{ $externalLabels.cluster }} {{ $externalLabels }} {{ .ExternalLabels.nope }}|"),
    ("external-url", "{{ $externalURL }} {{ .ExternalURL }}"),
    ("value", "{{ $value }} {{ .Value }}"),
    ("value-type", '{{ printf "%T %T" $value .Value }}'),
    ("data", "{{ . }}"),
    ("bad-field", "{{ .Foo }}"),
    ("bad-field-line2", "first line\n{{ .Labels.job }} {{ .Nope.x }}"),
    ("parse-error", "{{ $labels.job "),
    ("unclosed", "{{ if $value }}x"),
    ("undefined-func", "{{ nosuch 1 }}"),
    ("undefined-var", "{{ $nope }}"),
    ("redefine-labels", '{{ $labels := "x" }}{{ $labels }}'),
    ("missing-labels-obj", '{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}'),
    ("call-error", "{{ humanize \"x\" }}"),
    ("partial-output", "before {{ humanize \"x\" }} after"),
    ("nested-define", '{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" $labels.job }}'),
    ("printf-value", '{{ printf "%.2f" $value }}%'),
    ("printf-labels", '{{ printf "%s on %s" $labels.job $labels.instance }}'),
    ("if-value", "{{ if gt $value 0.5 }}high{{ else }}low{{ end }}"),
    ("eq-label", '{{ if eq $labels.severity "critical" }}PAGE{{ end }}'),
    ("len-labels", "{{ len $labels }}"),
]
for name, t in ENV:
    case(f"env/{name}", t)
case("env/empty-labels", "[{{ $labels }}][{{ $labels.x }}][{{ $externalLabels }}]",
     data={"labels": {}, "externalLabels": {}, "externalURL": "", "value": 0})
case("env/alert-name", "{{ .Nope }}", options="alert=HighRequestLatency")
case("env/alert-name-parse", "{{ end }}", options="alert=Disk_Full")
for v in ["0", "0.5", "1e6", "1234567", "1e-05", "123456", "1e21", "1e20", "-0", "NaN", "+Inf", "100"]:
    case(f"env/print-value={v}", "{{ $value }}", value=v)

# Real-world annotation texts (tutorials, runbooks, the Prometheus docs).
REAL = [
    "{{ $labels.instance }} of job {{ $labels.job }} has been down for more than 1 minute.",
    "Memory usage is {{ $value | humanizePercentage }}",
    '{{ printf "%.2f" $value }}%',
    "{{ $labels.instance }} has a median request latency above 1s (current value: {{ $value }}s)",
    "Instance {{ $labels.instance }} down",
    "Disk is almost full (< 10% left)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    "Node memory is filling up (< 10% left)\n  VALUE = {{ $value | humanize }}",
    "Filesystem on {{ $labels.device }} at {{ $labels.instance }} has only {{ printf \"%.2f\" $value }}% available space left.",
    "{{ $labels.job }}/{{ $labels.instance }} CPU at {{ humanize $value }}%",
    "Certificate expires in {{ $value | humanizeDuration }}",
    "Last scrape at {{ $value | humanizeTimestamp }}",
    "{{ with query \"up\" }}{{ . | first | value }}{{ end }}",
    '{{ with printf "node_load1{instance=\'%s\'}" $labels.instance | query }}{{ . | first | value | printf "%.2f" }}{{ else }}no data{{ end }}',
    "Dashboard: {{ $externalURL }}{{ graphLink \"up == 0\" }}",
    "{{ range query \"up\" | sortByLabel \"instance\" }}{{ if eq .Value 0.0 }}{{ .Labels.instance }} is down\n{{ end }}{{ end }}",
    "Cluster {{ $externalLabels.cluster }}: {{ $labels.instance | stripPort }} ({{ $labels.instance | stripDomain }})",
    "{{ $labels.severity | toUpper }}: {{ $labels.job | title }} unreachable",
    "Runbook: https://runbooks.example.com/{{ $labels.job | toLower | reReplaceAll \"[^a-z0-9]+\" \"-\" }}",
    "{{ if match \"^node\" $labels.job }}node alert{{ else }}other{{ end }}",
    "Uptime {{ $value | humanizeDuration }} ({{ $value | humanize }}s)",
    "{{- /* comment */ -}} trimmed {{- $labels.job -}} !",
    "Swap usage {{ $value | humanize1024 }}B",
    "Pod {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is restarting {{ printf \"%.2f\" $value }} times / 10 minutes.",
    "{{ $labels.job }}: {{ $value | humanize }}B/s written on {{ reReplaceAll \"(.+):(.+)\" \"$1\" $labels.instance }}",
    "Prometheus {{$labels.job}} at {{$labels.instance}} has {{ printf \"%.0f\" $value }} rule evaluation failures.",
    "{{ printf \"%.1f\" $value }}% of requests failed ({{ $value | humanizePercentage }} of {{ $labels.job }})",
    "See {{ $externalURL }}/alerts?search={{ urlQueryEscape $labels.instance }} and {{ tableLink \"rate(x[5m])\" }}",
    "{{ range $k, $v := $labels }}{{ $k }}={{ $v }}\n{{ end }}{{ range $k, $v := $externalLabels }}[{{ $k }}:{{ $v }}]{{ end }}",
    "{{ if lt $value 0.1 }}critical{{ else if lt $value 0.5 }}warning{{ else }}info{{ end }}: {{ $value | humanizePercentage }}",
]
for i, t in enumerate(REAL):
    for v in ["1", "0.9532", "86523.25", "1700000000", "0.00042"]:
        case(f"real/{i}/value={v}", t, value=v)

# Type errors and pointer results: Go's engine checks the typed parameters itself.
TYPES = [
    ("first-string", '{{ first "x" }}'),
    ("first-labels", "{{ first $labels }}"),
    ("value-string", '{{ value "x" }}'),
    ("value-int", "{{ value 1 }}"),
    ("value-result", '{{ value (query "up") }}'),
    ("label-labels", '{{ label "job" $labels }}'),
    ("strvalue-missing", "{{ strvalue $labels.nope }}"),
    ("sort-string", '{{ sortByLabel "x" "y" }}'),
    ("sort-sample", '{{ sortByLabel "x" (query "up" | first) }}'),
    ("first-missing", "{{ first .Labels.nope }}"),
    ("humanize-time", "{{ humanize (toTime 0) }}"),
    ("time-type", '{{ printf "%T %T" (toTime 0) (toDuration 1) }}'),
    ("time-printf", '{{ printf "%v|%s" (toTime 1.5) (toDuration 1.5) }}'),
    ("duration-truth", "{{ if toDuration 0 }}yes{{ else }}no{{ end }}"),
    ("duration-zero", "{{ toDuration 0 }} {{ toDuration -0.000000001 }} {{ toDuration 1e10 }} {{ toDuration -1e10 }}"),
    ("time-before", "{{ (toTime 1).Before (toTime 2) }} {{ (toTime 2).After (toTime 1) }}"),
    ("time-add", "{{ (toTime 0).Add (toDuration 90) }}"),
    ("time-utc", '{{ (toTime 1700000000).UTC.Format "Mon Jan 2 15:04:05 MST 2006" }}'),
    ("match-int", '{{ match "a" 1 }}'),
    ("reReplaceAll-count", '{{ reReplaceAll "a" "b" }}'),
    ("title-labels", "{{ title $labels }}"),
    ("args-range", "{{ range $k, $v := args 1 \"b\" }}{{ $k }}={{ $v }} {{ end }}"),
    ("args-index", '{{ index (args "x" "y") "arg1" }}'),
    ("regex-unicode", '{{ reReplaceAll "." "x" "日本" }}'),
    ("parseDuration-int", "{{ parseDuration 5 }}"),
    ("now-arg", "{{ now 1 }}"),
    ("graphLink-pipe", '{{ "up" | graphLink }}'),
    ("humanize-int64", "{{ humanize (toTime 5000).Unix }} {{ humanize (toDuration 90).Milliseconds }}"),
    ("humanize-len", "{{ humanize (len $labels) }}"),
    ("sort-in-place", '{{ $r := query "up" }}{{ $s := sortByLabel "instance" $r }}{{ range $r }}{{ .Labels.instance }} {{ end }}'),
    ("sort-twice", '{{ $r := query "up" }}{{ range sortByLabel "job" (sortByLabel "instance" $r) }}{{ .Labels.instance }} {{ end }}'),
    ("duration-string", "{{ (toDuration 3725.5).String }} {{ (toDuration 0.0000005).String }}"),
    ("time-methods", "{{ with toTime 1435065584.128 }}{{ .Year }} {{ .YearDay }} {{ .Hour }} {{ .Nanosecond }} {{ .UnixMilli }}{{ end }}"),
    ("time-eq", "{{ eq (toTime 1) (toTime 1) }}"),
    ("uint-literal", "{{ humanize 18446744073709551615 }}"),
    ("huge-literal", "{{ humanize 1e400 }}"),
    ("neg-zero-literal", "{{ humanize -0.0 }} {{ humanizeDuration -0.0 }} {{ humanizePercentage -0.0 }}"),
    ("char-literal", "{{ humanize1024 '\\n' }}"),
    ("time-eq-same", "{{ $t := toTime 1 }}{{ eq $t $t }} {{ ne $t $t }}"),
    ("sample-eq", '{{ $r := query "up" }}{{ eq (first $r) (index $r 0) }} {{ eq (first $r) (index $r 1) }} {{ eq (first $r) (first (query "up")) }}'),
    ("sample-eq-sorted", '{{ $r := query "up" }}{{ $f := first $r }}{{ $s := sortByLabel "instance" $r }}{{ eq $f (index $r 2) }}'),
]
for name, t in TYPES:
    case(f"types/{name}", t)
for v in ["1e-400", "0x", "0x1p", "1e", "1.e5", "-.5", "0x1.8p1", "1_0.5", "1e1_0", "0x_1p0", "0b101",
          "1__0", "_1", "1_", "0x1p-1074", "0x1p1024", "4.9e-324", "2e-324", "1e308", "1.8e308", "+0", "00012",
          "1.5E3", "0X1P4", "Inf", "-infinity", "infin", "NAN", "nan1", "1,5", "１",
          "0x1.fffffffffffff8p0", "0x1.0000000000001p-1074", "0xfAD8C0D6bfc_9D406p0", "0x.8p1",
          "123456789012345678901234567890", "0.000000000000000000000000000001234", "1e-9999", "1e9999"]:
    case(f"parseFloat/{v}", "{{ humanize " + json.dumps(v) + " }}")

names = set()
for name, _, _, _ in cases:
    assert name not in names, name
    names.add(name)

out = ["# Generated by scripts/oracle/promtemplate/gen_cases.py: edit that, then run regen.sh.", ""]
for name, options, template, data in cases:
    out.append(f"=== {name}")
    if options:
        out.append("--- options")
        out.append(options)
    out.append("--- template")
    out.append(template)
    out.append("--- data")
    out.append(data)
print("\n".join(out))
