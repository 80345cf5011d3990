// The template oracle: runs every case of crates/template/tests/corpus/*.cases through Go's own
// text/template and writes what Go produced (output, and error text if any) beside it as
// *.expected. Standard library only; run through regen.sh.
//
// Case file format (one file holds many cases):
//
//	=== case-name
//	--- options
//	missingkey=zero fixture=typed exec=NAME
//	--- template
//	{{ .foo }}
//	--- data
//	{"foo": 1}
//
// Sections end at the next line starting with "=== " or "--- "; the newline before that line is
// not part of the section. "options" and "data" are optional (data defaults to null). A section
// named "template2" is parsed into the same set as a second template named "t2".
//
// Expected file format:
//
//	=== case-name
//	--- output
//	...
//	--- error
//	template: t:1: ...
//
// ("--- error" only when Go returned one; the output is what was written before it.)
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
	"time"
)

type testCase struct {
	name     string
	sections map[string]string
}

func parseCases(text string) ([]testCase, error) {
	var cases []testCase
	var cur *testCase
	var section string
	var buf []string
	flush := func() {
		if cur != nil && section != "" {
			cur.sections[section] = strings.Join(buf, "\n")
		}
		buf = nil
	}
	lines := strings.Split(text, "\n")
	// A file ends with a newline; that last empty element is not content.
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		switch {
		case strings.HasPrefix(line, "=== "):
			flush()
			if cur != nil {
				cases = append(cases, *cur)
			}
			cur = &testCase{name: strings.TrimSpace(line[4:]), sections: map[string]string{}}
			section = ""
		case strings.HasPrefix(line, "--- "):
			flush()
			section = strings.TrimSpace(line[4:])
		default:
			if cur == nil {
				if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
					continue
				}
				return nil, fmt.Errorf("text before the first case: %q", line)
			}
			buf = append(buf, line)
		}
	}
	flush()
	if cur != nil {
		cases = append(cases, *cur)
	}
	return cases, nil
}

// Person and KV are the typed fixtures' Go types; the Rust test mirrors them.
type Person struct {
	Name   string
	Age    int
	Tags   []string
	Labels KV
}

func (p Person) Greet(greeting string) string { return greeting + ", " + p.Name }
func (p Person) Older(n int) int              { return p.Age + n }
func (p Person) Fail() (string, error)        { return "", errors.New("boom") }
func (p Person) Self() Person                 { return p }

type KV map[string]string

func (kv KV) Names() []string {
	names := make([]string, 0, len(kv))
	for k := range kv {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (kv KV) Remove(keys []string) KV {
	out := KV{}
	for k, v := range kv {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// Alertmanager-shaped fixture ("am"): the Rust test mirrors these types.
type Pair struct{ Name, Value string }
type Pairs []Pair

func (ps Pairs) Names() []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func (ps Pairs) Values() []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Value)
	}
	return out
}

func (kv KV) SortedPairs() Pairs {
	var out Pairs
	for _, k := range kv.Names() {
		out = append(out, Pair{k, kv[k]})
	}
	return out
}

type Alert struct {
	Status       string
	Labels       KV
	Annotations  KV
	StartsAt     time.Time
	EndsAt       time.Time
	GeneratorURL string
	Fingerprint  string
}

type Alerts []Alert

func (as Alerts) Firing() []Alert {
	var out []Alert
	for _, a := range as {
		if a.Status == "firing" {
			out = append(out, a)
		}
	}
	return out
}

func (as Alerts) Resolved() []Alert {
	var out []Alert
	for _, a := range as {
		if a.Status == "resolved" {
			out = append(out, a)
		}
	}
	return out
}

type Data struct {
	Receiver          string
	Status            string
	Alerts            Alerts
	GroupLabels       KV
	CommonLabels      KV
	CommonAnnotations KV
	ExternalURL       string
}

func amFixture() Data {
	start := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	return Data{
		Receiver: "team-x",
		Status:   "firing",
		Alerts: Alerts{
			{Status: "firing", Labels: KV{"alertname": "HighCPU", "instance": "a:9100", "severity": "critical"},
				Annotations: KV{"summary": "CPU high on a", "description": "95% busy"},
				StartsAt:    start, GeneratorURL: "http://prom/graph?g0.expr=up", Fingerprint: "abc123"},
			{Status: "resolved", Labels: KV{"alertname": "HighCPU", "instance": "b:9100", "severity": "critical"},
				Annotations: KV{"summary": "CPU high on b"},
				StartsAt:    start.Add(-time.Hour), EndsAt: start, GeneratorURL: "http://prom/graph?g0.expr=up", Fingerprint: "def456"},
		},
		GroupLabels:       KV{"alertname": "HighCPU"},
		CommonLabels:      KV{"alertname": "HighCPU", "severity": "critical"},
		CommonAnnotations: KV{},
		ExternalURL:       "http://am:9093",
	}
}

func typedFixture() map[string]interface{} {
	return map[string]interface{}{
		"i":     3,
		"neg":   -2,
		"zero":  0,
		"u":     uint64(7),
		"f":     1.5,
		"big":   1 << 62,
		"s":     "hello",
		"empty": "",
		"uni":   "héllo, 世界",
		"tru":   true,
		"fal":   false,
		"strs":  []string{"a", "b", "c"},
		"ints":  []int{1, 2, 3},
		"sm":    map[string]string{"a": "1", "b": "2"},
		"im":    map[string]int{"x": 1, "y": 2},
		"p": Person{Name: "Ann", Age: 30, Tags: []string{"x", "y"},
			Labels: KV{"alertname": "Up", "job": "api", "env": "prod"}},
		"kv":     KV{"b": "2", "a": "1"},
		"t":      time.Date(2024, 1, 2, 3, 4, 5, 678000000, time.UTC),
		"t0":     time.Time{},
		"d":      90 * time.Second,
		"fn":     func(a, b int) int { return a + b },
		"failfn": func() (int, error) { return 0, errors.New("nope") },
		"html":   htmltemplate.HTML("<b>x</b>"),
	}
}

func testFuncs() template.FuncMap {
	return template.FuncMap{
		"upper":  strings.ToUpper,
		"add":    func(a, b int) int { return a + b },
		"addf":   func(a, b float64) float64 { return a + b },
		"fail":   func() (string, error) { return "", errors.New("fail!") },
		"repeat": func(s string, n int) string { return strings.Repeat(s, n) },
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out
		},
		"truth": func(b bool) string { return fmt.Sprint(b) },
		"nan":   func() float64 { return math.NaN() },
		"inf":   func(sign int) float64 { return math.Inf(sign) },
		"list":  func(args ...interface{}) []interface{} { return args },
		"join":  func(sep string, s []string) string { return strings.Join(s, sep) },
	}
}

func run(c testCase) (output string, errText string) {
	opts := map[string]string{}
	for _, f := range strings.Fields(c.sections["options"]) {
		k, v, _ := strings.Cut(f, "=")
		opts[k] = v
	}
	if opts["mode"] == "html" {
		return runHTML(c, opts)
	}
	name := "t"
	if n, ok := opts["name"]; ok {
		name = n
	}
	t := template.New(name).Funcs(testFuncs())
	if d, ok := opts["delims"]; ok {
		l, r, _ := strings.Cut(d, ",")
		t = t.Delims(l, r)
	}
	if mk, ok := opts["missingkey"]; ok {
		t = t.Option("missingkey=" + mk)
	}
	if _, err := t.Parse(c.sections["template"]); err != nil {
		return "", err.Error()
	}
	if t2, ok := c.sections["template2"]; ok {
		if _, err := t.New("t2").Parse(t2); err != nil {
			return "", err.Error()
		}
	}
	var data interface{}
	if opts["fixture"] == "typed" {
		data = typedFixture()
	} else if opts["fixture"] == "typed-nofunc" {
		// Without function values, whose printed form is a memory address.
		m := typedFixture()
		delete(m, "fn")
		delete(m, "failfn")
		data = m
	} else if opts["fixture"] == "am" {
		data = amFixture()
	} else if d := c.sections["data"]; strings.TrimSpace(d) != "" {
		if err := json.Unmarshal([]byte(d), &data); err != nil {
			panic(fmt.Sprintf("case %s: bad JSON: %v", c.name, err))
		}
	}
	var buf bytes.Buffer
	var err error
	if e, ok := opts["exec"]; ok {
		err = t.ExecuteTemplate(&buf, e, data)
	} else {
		err = t.Execute(&buf, data)
	}
	if err != nil {
		errText = err.Error()
	}
	return buf.String(), errText
}

// htmlFuncs are the extra test functions of mode=html cases (content-type constructors).
func htmlFuncs() htmltemplate.FuncMap {
	return htmltemplate.FuncMap{
		"safeHtml": func(s string) htmltemplate.HTML { return htmltemplate.HTML(s) },
		"safeUrl":  func(s string) htmltemplate.URL { return htmltemplate.URL(s) },
		"safeAttr": func(s string) htmltemplate.HTMLAttr { return htmltemplate.HTMLAttr(s) },
		"safeJs":   func(s string) htmltemplate.JS { return htmltemplate.JS(s) },
		"safeCss":  func(s string) htmltemplate.CSS { return htmltemplate.CSS(s) },
	}
}

// runHTML is run for mode=html cases: the same, through html/template.
func runHTML(c testCase, opts map[string]string) (output string, errText string) {
	name := "t"
	if n, ok := opts["name"]; ok {
		name = n
	}
	t := htmltemplate.New(name).Funcs(htmltemplate.FuncMap(testFuncs())).Funcs(htmlFuncs())
	if d, ok := opts["delims"]; ok {
		l, r, _ := strings.Cut(d, ",")
		t = t.Delims(l, r)
	}
	if mk, ok := opts["missingkey"]; ok {
		t = t.Option("missingkey=" + mk)
	}
	if _, err := t.Parse(c.sections["template"]); err != nil {
		return "", err.Error()
	}
	if t2, ok := c.sections["template2"]; ok {
		if _, err := t.New("t2").Parse(t2); err != nil {
			return "", err.Error()
		}
	}
	var data interface{}
	switch opts["fixture"] {
	case "typed":
		data = typedFixture()
	case "typed-nofunc":
		m := typedFixture()
		delete(m, "fn")
		delete(m, "failfn")
		data = m
	case "am":
		data = amFixture()
	default:
		if d := c.sections["data"]; strings.TrimSpace(d) != "" {
			if err := json.Unmarshal([]byte(d), &data); err != nil {
				panic(fmt.Sprintf("case %s: bad JSON: %v", c.name, err))
			}
		}
	}
	var buf bytes.Buffer
	var err error
	if e, ok := opts["exec"]; ok {
		err = t.ExecuteTemplate(&buf, e, data)
	} else {
		err = t.Execute(&buf, data)
	}
	if err != nil {
		errText = err.Error()
	}
	return buf.String(), errText
}

func main() {
	dir := "../../../crates/template/tests/corpus"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.cases"))
	if err != nil || len(files) == 0 {
		fmt.Fprintln(os.Stderr, "no case files in", dir)
		os.Exit(1)
	}
	total := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			panic(err)
		}
		cases, err := parseCases(string(raw))
		if err != nil {
			panic(fmt.Sprintf("%s: %v", f, err))
		}
		var out strings.Builder
		seen := map[string]bool{}
		for _, c := range cases {
			if seen[c.name] {
				panic(fmt.Sprintf("%s: duplicate case %q", f, c.name))
			}
			seen[c.name] = true
			output, errText := run(c)
			for _, s := range []string{output, errText} {
				for _, line := range strings.Split(s, "\n") {
					if strings.HasPrefix(line, "=== ") || strings.HasPrefix(line, "--- ") {
						panic(fmt.Sprintf("%s: case %q: result has a marker line", f, c.name))
					}
				}
			}
			fmt.Fprintf(&out, "=== %s\n--- output\n%s\n", c.name, output)
			if errText != "" {
				fmt.Fprintf(&out, "--- error\n%s\n", errText)
			}
			total++
		}
		target := strings.TrimSuffix(f, ".cases") + ".expected"
		if err := os.WriteFile(target, []byte(out.String()), 0o644); err != nil {
			panic(err)
		}
	}
	fmt.Printf("%d cases in %d files\n", total, len(files))
}
