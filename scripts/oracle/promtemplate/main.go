// The Prometheus template oracle: expands every case of a cases file the way Prometheus' rules
// engine expands alert labels and annotations (template named __alert_<alertname>, the
// $labels/$externalLabels/$externalURL/$value prelude, missingkey=zero, Prometheus' functions
// from ./template) and prints what Go produced. Standard library only; run through regen.sh.
//
// Cases (crates/template/tests/data/prometheus/cases.txt):
//
//	=== case-name
//	--- options
//	alert=NAME ts=MILLIS
//	--- template
//	{{ $value | humanize }}
//	--- data
//	{"labels": {...}, "externalLabels": {...}, "externalURL": "...", "value": 1.5}
//
// "value" may be a string, parsed with strconv.ParseFloat ("NaN", "+Inf", "-0"). The query
// function is the fixed fake of fakeQuery, mirrored in crates/template/tests/prometheus_oracle.rs.
//
// Output, per case: "=== name", "--- output" and what Expand returned, then "--- error" and
// the error text when it failed.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"

	ptmpl "klaxon.invalid/oracle/promtemplate/template"
)

type testCase struct {
	name     string
	sections map[string]string
}

func parseCases(text string) []testCase {
	var cases []testCase
	section := ""
	var buf []string
	flush := func() {
		if len(cases) > 0 && section != "" {
			cases[len(cases)-1].sections[section] = strings.Join(buf, "\n")
		}
		buf = nil
	}
	lines := strings.Split(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		switch {
		case strings.HasPrefix(line, "=== "):
			flush()
			cases = append(cases, testCase{name: strings.TrimSpace(line[4:]), sections: map[string]string{}})
			section = ""
		case strings.HasPrefix(line, "--- "):
			flush()
			section = strings.TrimSpace(line[4:])
		default:
			if len(cases) > 0 {
				buf = append(buf, line)
			}
		}
	}
	flush()
	return cases
}

// fakeQuery is the query engine every case sees.
func fakeQuery(q string) ([]ptmpl.Sample, error) {
	switch q {
	case "up":
		return []ptmpl.Sample{
			{Labels: map[string]string{"__name__": "up", "instance": "b.example.com:9100", "job": "node"}, Value: 1},
			{Labels: map[string]string{"__name__": "up", "instance": "a.example.com:9100", "job": "node"}, Value: 0},
			{Labels: map[string]string{"__name__": "up", "instance": "10.0.0.3:9090", "job": "api"}, Value: 1},
		}, nil
	case "build_info":
		return []ptmpl.Sample{{Labels: map[string]string{"__name__": "build_info", "version": "2.53.0", "__value__": "2.53.0"}, Value: 1}}, nil
	case "sum(up)":
		return []ptmpl.Sample{{Labels: map[string]string{}, Value: 2}}, nil
	case "nan":
		return []ptmpl.Sample{{Labels: map[string]string{"kind": "nan"}, Value: math.NaN()}}, nil
	case "big":
		return []ptmpl.Sample{{Labels: map[string]string{"instance": "x"}, Value: 1.5e12}}, nil
	case "disk_free_ratio":
		return []ptmpl.Sample{
			{Labels: map[string]string{"mountpoint": "/", "device": "sda1"}, Value: 0.0731},
			{Labels: map[string]string{"mountpoint": "/data", "device": "sdb1"}, Value: 0.4567},
		}, nil
	case "error":
		return nil, errors.New("query timed out in expression evaluation")
	}
	return nil, nil
}

type alertData struct {
	Labels         map[string]string `json:"labels"`
	ExternalLabels map[string]string `json:"externalLabels"`
	ExternalURL    string            `json:"externalURL"`
	Value          json.RawMessage   `json:"value"`
}

func run(c testCase) (string, error, error) {
	opts := map[string]string{}
	for _, f := range strings.Fields(c.sections["options"]) {
		k, v, _ := strings.Cut(f, "=")
		opts[k] = v
	}
	alert := opts["alert"]
	if alert == "" {
		alert = "Test"
	}
	ts := int64(1700000000000)
	if s, ok := opts["ts"]; ok {
		var err error
		if ts, err = strconv.ParseInt(s, 10, 64); err != nil {
			return "", nil, err
		}
	}
	var d alertData
	if err := json.Unmarshal([]byte(c.sections["data"]), &d); err != nil {
		return "", nil, fmt.Errorf("data: %w", err)
	}
	value := 0.0
	if len(d.Value) > 0 {
		var s string
		if err := json.Unmarshal(d.Value, &s); err == nil {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return "", nil, err
			}
			value = v
		} else if err := json.Unmarshal(d.Value, &value); err != nil {
			return "", nil, fmt.Errorf("value: %w", err)
		}
	}
	u, err := url.Parse(d.ExternalURL)
	if err != nil {
		return "", nil, err
	}
	funcs := ptmpl.Funcs(fakeQuery, ts, u)
	data := ptmpl.AlertData(d.Labels, d.ExternalLabels, d.ExternalURL, value)
	out, err := ptmpl.Expand("__alert_"+alert, ptmpl.Prelude+c.sections["template"], data, funcs)
	return out, err, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: promtemplate CASES")
		os.Exit(2)
	}
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var out strings.Builder
	seen := map[string]bool{}
	for _, c := range parseCases(string(text)) {
		if seen[c.name] {
			fmt.Fprintf(os.Stderr, "duplicate case %q\n", c.name)
			os.Exit(1)
		}
		seen[c.name] = true
		res, expErr, caseErr := run(c)
		if caseErr != nil {
			fmt.Fprintf(os.Stderr, "case %s: %v\n", c.name, caseErr)
			os.Exit(1)
		}
		fmt.Fprintf(&out, "=== %s\n--- output\n%s\n", c.name, res)
		if expErr != nil {
			fmt.Fprintf(&out, "--- error\n%s\n", expErr)
		}
	}
	os.Stdout.WriteString(out.String())
}
