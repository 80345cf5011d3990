// The Alertmanager template oracle: renders every template Alertmanager's own default.tmpl and
// email.tmpl define, and the function cases of func_cases.txt, against several data sets with
// Go's text/template (and html/template for email.default.html), and writes the results to
// crates/template/tests/data/alertmanager/ for tests/alertmanager_*.rs. It also renders klaxon's
// own default templates under Go and reports every difference from upstream's output.
//
// Usage (see regen.sh): main UPSTREAM_DEFAULT.tmpl UPSTREAM_EMAIL.tmpl REPO_ROOT
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	am "amoracle/template"
)

var now = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

func kv(pairs ...string) am.KV {
	out := am.KV{}
	for i := 0; i+1 < len(pairs); i += 2 {
		out[pairs[i]] = pairs[i+1]
	}
	return out
}

// common computes the labels (or annotations) shared by every alert, as Alertmanager does.
func common(alerts am.Alerts, get func(am.Alert) am.KV) am.KV {
	out := am.KV{}
	if len(alerts) == 0 {
		return out
	}
	for k, v := range get(alerts[0]) {
		out[k] = v
	}
	for _, a := range alerts[1:] {
		for k, v := range out {
			if get(a)[k] != v {
				delete(out, k)
			}
		}
	}
	return out
}

func status(alerts am.Alerts) string {
	for _, a := range alerts {
		if a.Status == "firing" {
			return "firing"
		}
	}
	return "resolved"
}

func group(receiver string, groupBy []string, alerts am.Alerts) am.Data {
	d := am.Data{
		Receiver:          receiver,
		Status:            status(alerts),
		Alerts:            alerts,
		GroupLabels:       am.KV{},
		CommonLabels:      common(alerts, func(a am.Alert) am.KV { return a.Labels }),
		CommonAnnotations: common(alerts, func(a am.Alert) am.KV { return a.Annotations }),
		RouteLabels:       am.KV{},
		ExternalURL:       "http://alertmanager.example.com:9093",
	}
	for _, g := range groupBy {
		if len(alerts) > 0 {
			if v, ok := alerts[0].Labels[g]; ok {
				d.GroupLabels[g] = v
			}
		}
	}
	return d
}

func alert(st string, startMin int, labels, annotations am.KV, fp string) am.Alert {
	a := am.Alert{
		Status:       st,
		Labels:       labels,
		Annotations:  annotations,
		StartsAt:     now.Add(-time.Duration(startMin) * time.Minute),
		GeneratorURL: "http://prometheus.example.com:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1",
		Fingerprint:  fp,
	}
	if st == "resolved" {
		a.EndsAt = now.Add(-time.Minute)
	}
	return a
}

func datasets() map[string]am.Data {
	ds := map[string]am.Data{}

	// amtool's built-in example, at a fixed time.
	ds["example"] = am.Data{
		Receiver: "receiver",
		Status:   "alertstatus",
		Alerts: am.Alerts{
			{Status: "firing", Labels: kv("label1", "value1", "label2", "value2", "instance", "foo.bar:1234", "commonlabelkey1", "commonlabelvalue1", "commonlabelkey2", "commonlabelvalue2"),
				Annotations: kv("annotation1", "value1", "annotation2", "value2", "commonannotationkey1", "commonannotationvalue1", "commonannotationkey2", "commonannotationvalue2"),
				StartsAt:    now.Add(-5 * time.Minute), EndsAt: now, GeneratorURL: "https://generatorurl.com", Fingerprint: "fingerprint1"},
			{Status: "resolved", Labels: kv("foo", "bar", "baz", "qux", "commonlabelkey1", "commonlabelvalue1", "commonlabelkey2", "commonlabelvalue2"),
				Annotations: kv("aaa", "bbb", "ccc", "ddd", "commonannotationkey1", "commonannotationvalue1", "commonannotationkey2", "commonannotationvalue2"),
				StartsAt:    now.Add(-10 * time.Minute), EndsAt: now, GeneratorURL: "https://generatorurl.com", Fingerprint: "fingerprint2"},
		},
		GroupLabels:       kv("grouplabelkey1", "grouplabelvalue1", "grouplabelkey2", "grouplabelvalue2"),
		CommonLabels:      kv("commonlabelkey1", "commonlabelvalue1", "commonlabelkey2", "commonlabelvalue2"),
		CommonAnnotations: kv("commonannotationkey1", "commonannotationvalue1", "commonannotationkey2", "commonannotationvalue2"),
		RouteLabels:       am.KV{},
		ExternalURL:       "https://example.com",
	}

	ds["firing-1"] = group("team-x", []string{"alertname"}, am.Alerts{
		alert("firing", 3, kv("alertname", "HighCPU", "instance", "node-1:9100", "job", "node", "severity", "critical"),
			kv("summary", "CPU above 95% on node-1", "description", "node-1 has been busy for 10m", "runbook_url", "https://runbooks.example.com/cpu"), "0123456789abcdef"),
	})

	ds["resolved-only"] = group("ops", []string{"alertname", "job"}, am.Alerts{
		alert("resolved", 60, kv("alertname", "DiskFull", "instance", "db-1", "job", "postgres", "severity", "warning"), kv("summary", "Disk full"), "1111111111111111"),
		alert("resolved", 45, kv("alertname", "DiskFull", "instance", "db-2", "job", "postgres", "severity", "warning"), kv("summary", "Disk full"), "2222222222222222"),
	})

	ds["mixed"] = group("pager", []string{"alertname"}, am.Alerts{
		alert("firing", 5, kv("alertname", "InstanceDown", "instance", "web-1", "job", "web", "env", "prod", "severity", "critical"), kv("summary", "web-1 down"), "aaaaaaaaaaaaaaaa"),
		alert("firing", 4, kv("alertname", "InstanceDown", "instance", "web-2", "job", "web", "env", "prod", "severity", "critical"), kv("summary", "web-2 down", "description", "no scrape for 5m"), "bbbbbbbbbbbbbbbb"),
		alert("resolved", 30, kv("alertname", "InstanceDown", "instance", "web-3", "job", "web", "env", "prod", "severity", "critical"), kv("summary", "web-3 down"), "cccccccccccccccc"),
	})

	var many am.Alerts
	sevs := []string{"critical", "warning", "info"}
	for i := 0; i < 100; i++ {
		st := "firing"
		if i%7 == 3 {
			st = "resolved"
		}
		many = append(many, alert(st, i+1,
			kv("alertname", "KubePodCrashLooping", "namespace", "prod", "pod", fmt.Sprintf("api-%03d", i), "container", "api", "severity", sevs[i%3], "cluster", "eu-west-1"),
			kv("summary", fmt.Sprintf("Pod prod/api-%03d is crash looping", i), "description", fmt.Sprintf("Pod prod/api-%03d (api) restarted %d times in 10 minutes.", i, i%5+3), "runbook_url", "https://runbooks.example.com/KubePodCrashLooping"),
			fmt.Sprintf("%016x", i*7919)))
	}
	ds["many-100"] = group("slack-prod", []string{"alertname", "namespace"}, many)

	ds["empty-annotations"] = group("webhook", nil, am.Alerts{
		alert("firing", 2, kv("alertname", "Watchdog"), am.KV{}, "dddddddddddddddd"),
		alert("firing", 1, kv("alertname", "Watchdog", "replica", "b"), am.KV{}, "eeeeeeeeeeeeeeee"),
	})

	ds["unicode"] = group(`ëquipe\.ops`, []string{"alertname", "zone"}, am.Alerts{
		alert("firing", 9, kv("alertname", "Température", "zone", "Zürich", "message", "défaillance <critique> & \"urgent\"", "emoji", "🔥"),
			kv("summary", "La température dépasse 40°C — agir", "description", "Ligne 1\nLigne 2\ttab", "note", "日本語のテキスト"), "ffffffffffffffff"),
		alert("resolved", 20, kv("alertname", "Température", "zone", "Zürich", "message", "ok", "emoji", "🔥"),
			kv("summary", "La température dépasse 40°C — agir"), "0f0f0f0f0f0f0f0f"),
	})
	ds["unicode"].Alerts[1].EndsAt = time.Date(2024, 5, 6, 9, 0, 0, 0, time.FixedZone("", 2*3600))

	ds["regex-receiver"] = group(`team\.a\+b\*\[c\]\(d\)\|e\^\$`, []string{"alertname"}, am.Alerts{
		alert("firing", 1, kv("alertname", "A", "severity", "info"), kv("summary", "s"), "1234123412341234"),
	})

	ds["no-alerts"] = am.Data{Receiver: "empty", Status: "resolved", Alerts: am.Alerts{}, GroupLabels: am.KV{}, CommonLabels: am.KV{}, CommonAnnotations: am.KV{}, RouteLabels: am.KV{}, ExternalURL: "http://am"}

	ds["jira-warning"] = group("jira", []string{"alertname"}, am.Alerts{
		alert("firing", 1, kv("alertname", "X", "severity", "info"), am.KV{}, "1"),
		alert("firing", 1, kv("alertname", "X", "severity", "warning"), am.KV{}, "2"),
		alert("resolved", 1, kv("alertname", "X", "severity", "critical"), am.KV{}, "3"),
	})
	ds["jira-resolved-critical"] = group("jira", []string{"alertname"}, am.Alerts{
		alert("firing", 1, kv("alertname", "X"), am.KV{}, "1"),
		alert("resolved", 1, kv("alertname", "X", "severity", "critical"), am.KV{}, "3"),
	})

	route := group("routes", []string{"alertname"}, am.Alerts{
		alert("firing", 1, kv("alertname", "R", "team", "db"), kv("summary", "r"), "9999999999999999"),
	})
	route.RouteLabels = kv("team", "{{ .CommonLabels.team }}-oncall", "plain", "literal", "nested", `{{ routeLabels "team" }}/{{ routeLabels "plain" }}`,
		"cycle1", `{{ routeLabels "cycle2" }}`, "cycle2", `{{ routeLabels "cycle1" }}`, "self", `{{ routeLabels "self" }}`, "bad", "{{ .Nope.Deeper }}", "empty", "")
	ds["route-labels"] = route
	return ds
}

// caseSweep runs title, toUpper and toLower over runes of the cased scripts and punctuation, each
// rune at the start of a word, inside one, doubled and next to "mid" characters, in lines of
// 32 runes: what x/text's word breaking and case tables and Go's unicode tables give.
func caseSweep() []caseLine {
	ranges := [][2]rune{{0x20, 0x52F}, {0x10A0, 0x10FF}, {0x13A0, 0x13FF}, {0x1C80, 0x1CBF},
		{0x1E00, 0x1FFF}, {0x2000, 0x206F}, {0x2100, 0x218F}, {0x24B6, 0x24E9}, {0x2C00, 0x2D2F},
		{0xA640, 0xA69F}, {0xA720, 0xA7FF}, {0xAB70, 0xABBF}, {0xFB00, 0xFB4F}, {0xFF00, 0xFF65},
		{0x10400, 0x1044F}, {0x1E900, 0x1E95F}}
	var runes []rune
	for _, r := range ranges {
		for c := r[0]; c <= r[1]; c++ {
			if c >= 0x7F && c < 0xA0 {
				continue
			}
			runes = append(runes, c)
		}
	}
	var out []caseLine
	for i := 0; i < len(runes); i += 32 {
		var b strings.Builder
		for _, r := range runes[i:min(i+32, len(runes))] {
			s := string(r)
			b.WriteString(s + "aB" + s + " b" + s + s + "c'" + s + "d." + s + s + "e ")
		}
		in := b.String()
		out = append(out, caseLine{In: in, Title: am.Funcs["title"].(func(string) string)(in),
			Upper: strings.ToUpper(in), Lower: strings.ToLower(in)})
	}
	return out
}

type caseLine struct {
	In    string `json:"in"`
	Title string `json:"title"`
	Upper string `json:"upper"`
	Lower string `json:"lower"`
}

type result struct {
	Data   string `json:"data"`
	Name   string `json:"name,omitempty"`
	Text   string `json:"template,omitempty"`
	Mode   string `json:"mode"`
	Output string `json:"output"`
	Error  string `json:"error,omitempty"`
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func read(p string) string {
	b, err := os.ReadFile(p)
	must(err)
	return string(b)
}

func writeJSONL(p string, rs []result) {
	var b strings.Builder
	for _, r := range rs {
		j, err := json.Marshal(r)
		must(err)
		b.Write(j)
		b.WriteByte('\n')
	}
	must(os.WriteFile(p, []byte(b.String()), 0o644))
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: main UPSTREAM_DEFAULT.tmpl UPSTREAM_EMAIL.tmpl REPO_ROOT")
		os.Exit(2)
	}
	am.Now = func() time.Time { return now }
	root := os.Args[3]
	out := filepath.Join(root, "crates/template/tests/data/alertmanager")
	must(os.MkdirAll(filepath.Join(out, "data"), 0o755))

	upstream, err := am.NewSet(read(os.Args[1]), read(os.Args[2]))
	must(err)
	ours, err := am.NewSet(read(filepath.Join(root, "crates/template/src/alertmanager/default.tmpl")),
		read(filepath.Join(root, "crates/template/src/alertmanager/email.tmpl")))
	must(err)

	var names []string
	for _, t := range upstream.Text.Templates() {
		if t.Name() != "" {
			names = append(names, t.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if ours.Text.Lookup(n) == nil {
			fmt.Fprintf(os.Stderr, "MISSING in klaxon's defaults: %s\n", n)
		}
	}

	ds := datasets()
	var dnames []string
	for n, d := range ds {
		dnames = append(dnames, n)
		j, err := json.MarshalIndent(d, "", "  ")
		must(err)
		must(os.WriteFile(filepath.Join(out, "data", n+".json"), append(j, '\n'), 0o644))
	}
	sort.Strings(dnames)

	var defaults []result
	mismatches := 0
	for _, dn := range dnames {
		d := ds[dn]
		for _, n := range names {
			text := fmt.Sprintf("{{ template %q . }}", n)
			modes := []string{"text"}
			if n == "email.default.html" {
				if dn == "many-100" {
					continue // 700 kB of HTML; the other data sets cover it.
				}
				modes = append(modes, "html")
			}
			for _, mode := range modes {
				exec := func(s *am.Set) (string, error) {
					if mode == "html" {
						return s.ExecHTML(text, &d)
					}
					return s.ExecText(text, &d)
				}
				got, err := exec(upstream)
				r := result{Data: dn, Name: n, Mode: mode, Output: got}
				if err != nil {
					r.Error = err.Error()
				}
				defaults = append(defaults, r)
				mine, err2 := exec(ours)
				if mine != got || (err == nil) != (err2 == nil) {
					mismatches++
					if mismatches <= 20 {
						i := 0
						for i < len(got) && i < len(mine) && got[i] == mine[i] {
							i++
						}
						from := max(0, i-40)
						fmt.Fprintf(os.Stderr, "DIFF %s %s (%s) at byte %d:\nupstream: %q\nklaxon:   %q (%v)\n",
							dn, n, mode, i, got[from:min(len(got), i+60)], mine[from:min(len(mine), i+60)], err2)
					}
				}
			}
		}
	}
	writeJSONL(filepath.Join(out, "defaults.jsonl"), defaults)

	// Function cases: one template per line; "@DATASET " first selects the data (default
	// "example"); then "html: " runs the case in HTML mode; "#" starts a comment line; "⏎"
	// stands for a newline.
	var funcs []result
	for _, line := range strings.Split(read(filepath.Join(out, "func_cases.txt")), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		dn := "example"
		if strings.HasPrefix(line, "@") {
			sp := strings.IndexByte(line, ' ')
			dn, line = line[1:sp], line[sp+1:]
		}
		d, ok := ds[dn]
		if !ok {
			must(fmt.Errorf("unknown data set %q", dn))
		}
		mode := "text"
		if rest, ok := strings.CutPrefix(line, "html: "); ok {
			mode, line = "html", rest
		}
		text := strings.ReplaceAll(line, "⏎", "\n")
		got, err := upstream.ExecText(text, &d)
		if mode == "html" {
			got, err = upstream.ExecHTML(text, &d)
		}
		r := result{Data: dn, Text: line, Mode: mode, Output: got}
		if err != nil {
			r.Error = err.Error()
		}
		funcs = append(funcs, r)
	}
	writeJSONL(filepath.Join(out, "funcs.jsonl"), funcs)

	cases := caseSweep()
	var cb strings.Builder
	for _, c := range cases {
		j, err := json.Marshal(c)
		must(err)
		cb.Write(j)
		cb.WriteByte('\n')
	}
	must(os.WriteFile(filepath.Join(out, "cases.jsonl"), []byte(cb.String()), 0o644))

	fmt.Fprintf(os.Stderr, "%d case-mapping lines; ", len(cases))
	fmt.Fprintf(os.Stderr, "%d default renders, %d function cases; %d differences between klaxon's defaults and upstream's under Go\n",
		len(defaults), len(funcs), mismatches)
	if mismatches > 0 {
		os.Exit(1)
	}
}
