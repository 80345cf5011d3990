// Package template defines Prometheus' annotation template functions the way Prometheus 3
// defines them (template/template.go, with the helpers of prometheus/common), written here
// with the standard library only. The package is called "template" so that Go prints the
// same type names as upstream (template.queryResult, *template.sample).
//
// Two stand-ins for upstream's dependencies: `title` (golang.org/x/text/cases.Title with
// AmericanEnglish and NoLower) runs on tables derived from x/text itself (see title.go and
// xtext/), and regexps come from package regexp (upstream uses grafana/regexp, a faster fork
// with the same semantics).
package template

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
)

type sample struct {
	Labels map[string]string
	Value  any
}

type queryResult []*sample

// Sample is one element of what the fake query engine returns.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// QueryFunc runs a query.
type QueryFunc func(q string) ([]Sample, error)

var errNaNOrInf = errors.New("value is NaN or Inf")

func toFloat(i any) (float64, error) {
	switch v := i.(type) {
	case float64:
		return v, nil
	case string:
		return strconv.ParseFloat(v, 64)
	case int:
		return float64(v), nil
	case uint:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case uint64:
		return float64(v), nil
	case time.Duration:
		return v.Seconds(), nil
	default:
		return 0, fmt.Errorf("can't convert %T to float", v)
	}
}

func timeOf(v float64) (*time.Time, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, errNaNOrInf
	}
	ns := v * 1e9
	if ns > math.MaxInt64 || ns < math.MinInt64 {
		return nil, fmt.Errorf("%v cannot be represented as a nanoseconds timestamp since it overflows int64", v)
	}
	// Through model.Time: milliseconds.
	ms := int64(ns) / 1e6
	t := time.Unix(ms/1000, (ms%1000)*1e6).UTC()
	return &t, nil
}

var (
	siUp   = []string{"k", "M", "G", "T", "P", "E", "Z", "Y"}
	siDown = []string{"m", "u", "n", "p", "f", "a", "z", "y"}
	iecUp  = []string{"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}
)

func shrink(v float64) (float64, string) {
	prefix := ""
	for _, p := range siDown {
		if math.Abs(v) >= 1 {
			break
		}
		prefix = p
		v *= 1000
	}
	return v, prefix
}

func humanize(i any) (string, error) {
	v, err := toFloat(i)
	if err != nil {
		return "", err
	}
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprintf("%.4g", v), nil
	}
	if math.Abs(v) >= 1 {
		prefix := ""
		for _, p := range siUp {
			if math.Abs(v) < 1000 {
				break
			}
			prefix = p
			v /= 1000
		}
		return fmt.Sprintf("%.4g%s", v, prefix), nil
	}
	v, prefix := shrink(v)
	return fmt.Sprintf("%.4g%s", v, prefix), nil
}

func humanize1024(i any) (string, error) {
	v, err := toFloat(i)
	if err != nil {
		return "", err
	}
	if math.Abs(v) <= 1 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprintf("%.4g", v), nil
	}
	prefix := ""
	for _, p := range iecUp {
		if math.Abs(v) < 1024 {
			break
		}
		prefix = p
		v /= 1024
	}
	return fmt.Sprintf("%.4g%s", v, prefix), nil
}

func humanizeDuration(i any) (string, error) {
	v, err := toFloat(i)
	if err != nil {
		return "", err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprintf("%.4g", v), nil
	}
	if v == 0 {
		return fmt.Sprintf("%.4gs", v), nil
	}
	if math.Abs(v) >= 1 {
		sign := ""
		if v < 0 {
			sign, v = "-", -v
		}
		n := int64(v)
		s, m, h, d := n%60, (n/60)%60, (n/3600)%24, n/86400
		switch {
		case d != 0:
			return fmt.Sprintf("%s%dd %dh %dm %ds", sign, d, h, m, s), nil
		case h != 0:
			return fmt.Sprintf("%s%dh %dm %ds", sign, h, m, s), nil
		case m != 0:
			return fmt.Sprintf("%s%dm %ds", sign, m, s), nil
		}
		return fmt.Sprintf("%s%.4gs", sign, v), nil
	}
	v, prefix := shrink(v)
	return fmt.Sprintf("%.4g%ss", v, prefix), nil
}

// Prometheus' model.ParseDuration.
func parsePromDuration(s string) (time.Duration, error) {
	switch s {
	case "0":
		return 0, nil
	case "":
		return 0, errors.New("empty duration string")
	}
	units := map[string]struct {
		pos  int
		mult uint64
	}{
		"ms": {7, uint64(time.Millisecond)}, "s": {6, uint64(time.Second)},
		"m": {5, uint64(time.Minute)}, "h": {4, uint64(time.Hour)},
		"d": {3, uint64(24 * time.Hour)}, "w": {2, uint64(7 * 24 * time.Hour)},
		"y": {1, uint64(365 * 24 * time.Hour)},
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	orig := s
	var total uint64
	last := 0
	for s != "" {
		if !isDigit(s[0]) {
			return 0, fmt.Errorf("not a valid duration string: %q", orig)
		}
		i := 0
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		n, err := strconv.ParseUint(s[:i], 10, 0)
		if err != nil {
			return 0, fmt.Errorf("not a valid duration string: %q", orig)
		}
		s = s[i:]
		i = 0
		for i < len(s) && !isDigit(s[i]) {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("not a valid duration string: %q", orig)
		}
		u, ok := units[s[:i]]
		if !ok {
			return 0, fmt.Errorf("unknown unit %q in duration %q", s[:i], orig)
		}
		s = s[i:]
		if u.pos <= last {
			return 0, fmt.Errorf("not a valid duration string: %q", orig)
		}
		last = u.pos
		if n > 1<<63/u.mult {
			return 0, errors.New("duration out of range")
		}
		total += n * u.mult
		if total > 1<<63-1 {
			return 0, errors.New("duration out of range")
		}
	}
	return time.Duration(total), nil
}

func splitHostPortOK(hp string) (string, string, bool) {
	h, p, err := net.SplitHostPort(hp)
	return h, p, err == nil
}

// Funcs is the function map of NewTemplateExpander for the given query engine, evaluation
// time (milliseconds) and external URL.
func Funcs(queryFn QueryFunc, tsMillis int64, externalURL *url.URL) texttemplate.FuncMap {
	return texttemplate.FuncMap{
		"query": func(q string) (queryResult, error) {
			samples, err := queryFn(q)
			if err != nil {
				return nil, err
			}
			res := make(queryResult, len(samples))
			for i, s := range samples {
				labels := map[string]string{}
				for k, v := range s.Labels {
					labels[k] = v
				}
				res[i] = &sample{Labels: labels, Value: s.Value}
			}
			return res, nil
		},
		"first": func(v queryResult) (*sample, error) {
			if len(v) > 0 {
				return v[0], nil
			}
			return nil, errors.New("first() called on vector with no elements")
		},
		"label":    func(l string, s *sample) string { return s.Labels[l] },
		"value":    func(s *sample) any { return s.Value },
		"strvalue": func(s *sample) string { return s.Labels["__value__"] },
		"args": func(args ...any) map[string]any {
			m := map[string]any{}
			for i, a := range args {
				m[fmt.Sprintf("arg%d", i)] = a
			}
			return m
		},
		"reReplaceAll": func(pattern, repl, text string) string {
			return regexp.MustCompile(pattern).ReplaceAllString(text, repl)
		},
		"safeHtml":  func(text string) template.HTML { return template.HTML(text) },
		"match":     regexp.MatchString,
		"title":     Title,
		"toUpper":   strings.ToUpper,
		"toLower":   strings.ToLower,
		"graphLink": func(e string) string { return "/graph?g0.expr=" + url.QueryEscape(e) + "&g0.tab=0" },
		"tableLink": func(e string) string { return "/graph?g0.expr=" + url.QueryEscape(e) + "&g0.tab=1" },
		"sortByLabel": func(label string, v queryResult) queryResult {
			sort.SliceStable(v, func(i, j int) bool { return v[i].Labels[label] < v[j].Labels[label] })
			return v
		},
		"stripPort": func(hp string) string {
			if h, _, ok := splitHostPortOK(hp); ok {
				return h
			}
			return hp
		},
		"stripDomain": func(hp string) string {
			host, port, ok := splitHostPortOK(hp)
			if !ok {
				host, port = hp, ""
			}
			if net.ParseIP(host) != nil {
				return hp
			}
			host = strings.Split(host, ".")[0]
			if port != "" {
				return net.JoinHostPort(host, port)
			}
			return host
		},
		"humanize":         humanize,
		"humanize1024":     humanize1024,
		"humanizeDuration": humanizeDuration,
		"humanizePercentage": func(i any) (string, error) {
			v, err := toFloat(i)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%.4g%%", v*100), nil
		},
		"humanizeTimestamp": func(i any) (string, error) {
			v, err := toFloat(i)
			if err != nil {
				return "", err
			}
			t, err := timeOf(v)
			switch {
			case errors.Is(err, errNaNOrInf):
				return fmt.Sprintf("%.4g", v), nil
			case err != nil:
				return "", err
			}
			return fmt.Sprint(t), nil
		},
		"toTime": func(i any) (*time.Time, error) {
			v, err := toFloat(i)
			if err != nil {
				return nil, err
			}
			return timeOf(v)
		},
		"toDuration": func(i any) (*time.Duration, error) {
			v, err := toFloat(i)
			if err != nil {
				return nil, err
			}
			d := time.Duration(v * float64(time.Second))
			return &d, nil
		},
		"now":         func() float64 { return float64(tsMillis) / 1000.0 },
		"pathPrefix":  func() string { return externalURL.Path },
		"externalURL": func() string { return externalURL.String() },
		"parseDuration": func(s string) (float64, error) {
			neg := false
			if s != "" && s[0] == '-' {
				neg, s = true, s[1:]
			}
			d, err := parsePromDuration(s)
			if err != nil {
				return 0, err
			}
			if neg {
				d = -d
			}
			return float64(d) / float64(time.Second), nil
		},
		"urlQueryEscape": url.QueryEscape,
	}
}

// AlertData is what the rules engine passes to label and annotation templates.
func AlertData(labels, externalLabels map[string]string, externalURL string, value float64) any {
	return struct {
		Labels         map[string]string
		ExternalLabels map[string]string
		ExternalURL    string
		Value          any
	}{labels, externalLabels, externalURL, value}
}

// Prelude is what the rules engine prepends to every label and annotation text.
const Prelude = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

// Expand expands text as the Expander's Expand does.
func Expand(name, text string, data any, funcs texttemplate.FuncMap) (result string, resultErr error) {
	defer func() {
		if r := recover(); r != nil {
			var ok bool
			if resultErr, ok = r.(error); !ok {
				resultErr = fmt.Errorf("panic expanding template %v: %v", name, r)
			}
		}
	}()
	tmpl := texttemplate.New(name).Funcs(funcs)
	tmpl.Option("missingkey=zero")
	tmpl, err := tmpl.Parse(text)
	if err != nil {
		return "", fmt.Errorf("error parsing template %v: %w", name, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("error executing template %v: %w", name, err)
	}
	return buf.String(), nil
}
