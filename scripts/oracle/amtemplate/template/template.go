// Package template is the oracle's model of Alertmanager's notification data and function set
// (package `template` upstream, so that `%T` prints the same type names). Written for klaxon
// from Alertmanager's documented behaviour; standard library plus golang.org/x/text/cases,
// which regen.sh takes from the Go toolchain's own vendored copy (nothing is downloaded).
package template

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	htmltmpl "html/template"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	texttmpl "text/template"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// Pair is one name/value pair.
type Pair struct {
	Name, Value string
}

// Pairs is a list of pairs.
type Pairs []Pair

// Strings is a []string with Join.
type Strings []string

// Join joins with sep.
func (s Strings) Join(sep string) string { return strings.Join(s, sep) }

// Names lists the names.
func (ps Pairs) Names() Strings {
	out := make(Strings, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// Values lists the values.
func (ps Pairs) Values() Strings {
	out := make(Strings, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Value)
	}
	return out
}

func (ps Pairs) String() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Name + "=" + p.Value
	}
	return strings.Join(parts, ", ")
}

// KV is a label or annotation set.
type KV map[string]string

// SortedPairs: alertname first, then by name.
func (kv KV) SortedPairs() Pairs {
	names := make([]string, 0, len(kv))
	for k := range kv {
		if k != "alertname" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	if _, ok := kv["alertname"]; ok {
		names = append([]string{"alertname"}, names...)
	}
	out := make(Pairs, 0, len(names))
	for _, n := range names {
		out = append(out, Pair{n, kv[n]})
	}
	return out
}

// Remove copies the set without keys.
func (kv KV) Remove(keys []string) KV {
	drop := map[string]bool{}
	for _, k := range keys {
		drop[k] = true
	}
	out := KV{}
	for k, v := range kv {
		if !drop[k] {
			out[k] = v
		}
	}
	return out
}

// Names in SortedPairs order.
func (kv KV) Names() Strings { return kv.SortedPairs().Names() }

// Values in SortedPairs order.
func (kv KV) Values() Strings { return kv.SortedPairs().Values() }

func (kv KV) String() string { return kv.SortedPairs().String() }

// Alert is one alert.
type Alert struct {
	Status       string    `json:"status"`
	Labels       KV        `json:"labels"`
	Annotations  KV        `json:"annotations"`
	StartsAt     time.Time `json:"startsAt"`
	EndsAt       time.Time `json:"endsAt"`
	GeneratorURL string    `json:"generatorURL"`
	Fingerprint  string    `json:"fingerprint"`
}

// Alerts is a list of alerts.
type Alerts []Alert

func (as Alerts) filter(status string) []Alert {
	out := []Alert{}
	for _, a := range as {
		if a.Status == status {
			out = append(out, a)
		}
	}
	return out
}

// Firing alerts.
func (as Alerts) Firing() []Alert { return as.filter("firing") }

// Resolved alerts.
func (as Alerts) Resolved() []Alert { return as.filter("resolved") }

// Data is what templates run against.
type Data struct {
	Receiver           string `json:"receiver"`
	Status             string `json:"status"`
	Alerts             Alerts `json:"alerts"`
	NotificationReason string `json:"notification_reason"`
	GroupLabels        KV     `json:"groupLabels"`
	CommonLabels       KV     `json:"commonLabels"`
	CommonAnnotations  KV     `json:"commonAnnotations"`
	RouteLabels        KV     `json:"routeLabels"`
	ExternalURL        string `json:"externalURL"`

	routeLabelsRendered bool
}

// Now is the clock of `now` and `since`.
var Now = time.Now

func humanizeDuration(i any) (string, error) {
	var v float64
	switch x := i.(type) {
	case float64:
		v = x
	case string:
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return "", err
		}
		v = f
	case int:
		v = float64(x)
	case uint:
		v = float64(x)
	case int64:
		v = float64(x)
	case uint64:
		v = float64(x)
	case time.Duration:
		v = x.Seconds()
	default:
		return "", fmt.Errorf("can't convert %T to float", x)
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
		d := int64(v)
		s, m, h, days := d%60, (d/60)%60, (d/3600)%24, d/86400
		switch {
		case days != 0:
			return fmt.Sprintf("%s%dd %dh %dm %ds", sign, days, h, m, s), nil
		case h != 0:
			return fmt.Sprintf("%s%dh %dm %ds", sign, h, m, s), nil
		case m != 0:
			return fmt.Sprintf("%s%dm %ds", sign, m, s), nil
		}
		return fmt.Sprintf("%s%.4gs", sign, v), nil
	}
	unit := ""
	for _, u := range []string{"m", "u", "n", "p", "f", "a", "z", "y"} {
		if math.Abs(v) >= 1 {
			break
		}
		unit = u
		v *= 1000
	}
	return fmt.Sprintf("%.4g%ss", v, unit), nil
}

// Funcs is Alertmanager's function set.
var Funcs = map[string]any{
	"toUpper":   strings.ToUpper,
	"toLower":   strings.ToLower,
	"title":     func(s string) string { return cases.Title(language.AmericanEnglish).String(s) },
	"trimSpace": strings.TrimSpace,
	"join":      func(sep string, items []string) string { return strings.Join(items, sep) },
	"match":     regexp.MatchString,
	"safeHtml":  func(s string) htmltmpl.HTML { return htmltmpl.HTML(s) },
	"safeUrl":   func(s string) htmltmpl.URL { return htmltmpl.URL(s) },
	"urlUnescape": url.QueryUnescape,
	"reReplaceAll": func(pattern, repl, text string) string {
		return regexp.MustCompile(pattern).ReplaceAllString(text, repl)
	},
	"stringSlice": func(s ...string) []string { return s },
	"routeLabels": func(string) (string, error) { return "", nil },
	"date":        func(layout string, t time.Time) string { return t.Format(layout) },
	"tz": func(name string, t time.Time) (time.Time, error) {
		loc, err := time.LoadLocation(name)
		if err != nil {
			return time.Time{}, err
		}
		return t.In(loc), nil
	},
	"now":              func() time.Time { return Now() },
	"since":            func(t time.Time) time.Duration { return Now().Sub(t) },
	"humanizeDuration": humanizeDuration,
	"toDate": func(layout, s string) time.Time {
		t, _ := time.ParseInLocation(layout, s, time.UTC)
		return t
	},
	"mustToDate": func(layout, s string) (time.Time, error) {
		return time.ParseInLocation(layout, s, time.UTC)
	},
	"toJson": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"base64encode": func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) },
	"base64decode": func(s string) (string, error) {
		b, err := base64.URLEncoding.DecodeString(s)
		return string(b), err
	},
	"list": func(args ...any) ([]any, error) {
		if args == nil {
			return []any{}, nil
		}
		return args, nil
	},
	"append": func(l []any, args ...any) []any { return append(l, args...) },
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict requires an even number of arguments")
		}
		out := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, errors.New("dict keys must be strings")
			}
			out[k] = kv[i+1]
		}
		return out, nil
	},
}

// Set is a parsed template set, text and HTML, as Alertmanager keeps one.
type Set struct {
	Text *texttmpl.Template
	HTML *htmltmpl.Template
}

// NewSet parses the given files (in order) into a fresh set.
func NewSet(files ...string) (*Set, error) {
	s := &Set{
		Text: texttmpl.New("").Option("missingkey=zero").Funcs(Funcs),
		HTML: htmltmpl.New("").Option("missingkey=zero").Funcs(Funcs),
	}
	for _, f := range files {
		var err error
		if s.Text, err = s.Text.Parse(f); err != nil {
			return nil, err
		}
		if s.HTML, err = s.HTML.Parse(f); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ExecText runs text as Alertmanager's ExecuteTextString does (routeLabels resolved from the
// data, with cycle detection).
func (s *Set) ExecText(text string, data *Data) (string, error) {
	if text == "" {
		return "", nil
	}
	r := &resolver{data: data, set: s, memo: map[string]string{}, busy: map[string]bool{}}
	return r.exec(text)
}

type resolver struct {
	data  *Data
	set   *Set
	memo  map[string]string
	busy  map[string]bool
	stack []string
}

func (r *resolver) exec(text string) (string, error) {
	t, err := r.set.Text.Clone()
	if err != nil {
		return "", err
	}
	t, err = t.New("").Option("missingkey=zero").Funcs(texttmpl.FuncMap{"routeLabels": r.resolve}).Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	err = t.Execute(&b, *r.data)
	return b.String(), err
}

func (r *resolver) resolve(name string) (string, error) {
	raw, ok := r.data.RouteLabels[name]
	if !ok {
		return "", nil
	}
	if r.data.routeLabelsRendered {
		return raw, nil
	}
	if v, ok := r.memo[name]; ok {
		return v, nil
	}
	if r.busy[name] {
		return "", fmt.Errorf("route label cycle detected: %s", strings.Join(append(append([]string{}, r.stack...), name), " -> "))
	}
	r.busy[name] = true
	r.stack = append(r.stack, name)
	v, err := r.exec(raw)
	r.stack = r.stack[:len(r.stack)-1]
	delete(r.busy, name)
	if err != nil {
		return "", err
	}
	r.memo[name] = v
	return v, nil
}

// ExecHTML runs text in HTML mode (Alertmanager's ExecuteHTMLString, without routeLabels).
func (s *Set) ExecHTML(text string, data *Data) (string, error) {
	if text == "" {
		return "", nil
	}
	t, err := s.HTML.Clone()
	if err != nil {
		return "", err
	}
	t, err = t.New("").Option("missingkey=zero").Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	err = t.Execute(&b, *data)
	return b.String(), err
}
