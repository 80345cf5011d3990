// Command gofmt prints Go's own output for klaxon's gofmt module tests: fmt.Sprintf, fmt.Sprint,
// fmt.Sprintln, strconv.FormatFloat, time.Time.Format, Time.String, Time.GoString and
// time.Parse, one JSON object per line. Standard library only.
//
// Each row carries its inputs in a typed form the Rust test can rebuild (floats as bit patterns)
// and Go's output in "out".
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strconv"
	"time"
	"unicode/utf8"
)

type Pair struct {
	Name  string
	Value int
}

type Alert struct {
	Status string
	Labels map[string]string
	Value  float64
	Extra  interface{}
}

type Color struct{ r, g, b int }

func (c Color) String() string { return fmt.Sprintf("rgb(%d,%d,%d)", c.r, c.g, c.b) }

type KV map[string]string

// Level, SKV and Name have String() methods over non-struct types.
type Level int

func (l Level) String() string { return fmt.Sprintf("level-%d", int(l)) }

type SKV map[string]string

func (m SKV) String() string { return fmt.Sprintf("{%d labels}", len(m)) }

type Name string

func (n Name) String() string { return "name:" + string(n) }

// Opaque is encoded as a plain Stringer (text only) and printed only with verbs that call String().
type Opaque struct{ s string }

func (o Opaque) String() string { return o.s }

type LabelValue string

var out = json.NewEncoder(os.Stdout)

func init() { out.SetEscapeHTML(false) }

func emit(row map[string]any) {
	if err := out.Encode(row); err != nil {
		panic(err)
	}
}

func encTime(t time.Time) map[string]any {
	name, off := t.Zone()
	loc := t.Location().String()
	m := map[string]any{"sec": strconv.FormatInt(t.Unix(), 10), "nsec": t.Nanosecond(), "loc": loc}
	if loc != "UTC" && loc != "Local" {
		if _, err := time.LoadLocation(loc); err != nil || loc == "" {
			m["fixed_name"] = name
			m["fixed_off"] = off
		}
	}
	return m
}

// enc describes a Go value so that the Rust test can rebuild it as a FmtArg.
func enc(v any) map[string]any {
	switch x := v.(type) {
	case nil:
		return map[string]any{"t": "nil"}
	case bool:
		return map[string]any{"t": "bool", "v": x}
	case int:
		return map[string]any{"t": "int", "v": strconv.FormatInt(int64(x), 10)}
	case int64:
		return map[string]any{"t": "int64", "v": strconv.FormatInt(x, 10)}
	case uint64:
		return map[string]any{"t": "uint64", "v": strconv.FormatUint(x, 10)}
	case float64:
		return map[string]any{"t": "float64", "bits": strconv.FormatUint(math.Float64bits(x), 10)}
	case string:
		return map[string]any{"t": "string", "v": x}
	case LabelValue:
		return map[string]any{"t": "named", "type": "main.LabelValue", "v": enc(string(x))}
	case []string:
		items := []any{}
		for _, s := range x {
			items = append(items, enc(s))
		}
		return map[string]any{"t": "list", "type": "[]string", "v": items}
	case []interface{}:
		items := []any{}
		for _, s := range x {
			items = append(items, enc(s))
		}
		return map[string]any{"t": "list", "type": "[]interface {}", "v": items}
	case []int:
		items := []any{}
		for _, s := range x {
			items = append(items, enc(s))
		}
		return map[string]any{"t": "list", "type": "[]int", "v": items}
	case []float64:
		items := []any{}
		for _, s := range x {
			items = append(items, enc(s))
		}
		return map[string]any{"t": "list", "type": "[]float64", "v": items}
	case map[string]string:
		return encMap("map[string]string", x)
	case KV:
		return encMap("main.KV", map[string]string(x))
	case map[string]int:
		entries := [][]any{}
		for _, k := range sortedKeys(x) {
			entries = append(entries, []any{enc(k), enc(x[k])})
		}
		return map[string]any{"t": "map", "type": "map[string]int", "v": entries}
	case map[string]interface{}:
		entries := [][]any{}
		for _, k := range sortedKeys(x) {
			entries = append(entries, []any{enc(k), enc(x[k])})
		}
		return map[string]any{"t": "map", "type": "map[string]interface {}", "v": entries}
	case Pair:
		return map[string]any{"t": "struct", "type": "main.Pair", "fields": [][]any{{"Name", enc(x.Name)}, {"Value", enc(x.Value)}}}
	case Alert:
		return map[string]any{"t": "struct", "type": "main.Alert", "fields": [][]any{
			{"Status", enc(x.Status)}, {"Labels", enc(x.Labels)}, {"Value", enc(x.Value)}, {"Extra", enc(x.Extra)}}}
	case Color:
		return map[string]any{"t": "stringer_value", "type": "main.Color", "text": x.String(), "v": map[string]any{
			"t": "struct", "type": "main.Color", "fields": [][]any{{"r", enc(x.r)}, {"g", enc(x.g)}, {"b", enc(x.b)}}}}
	case Level:
		return map[string]any{"t": "stringer_value", "type": "main.Level", "text": x.String(), "v": enc(int(x))}
	case SKV:
		return map[string]any{"t": "stringer_value", "type": "main.SKV", "text": x.String(), "v": encMap("main.SKV", map[string]string(x))}
	case Name:
		return map[string]any{"t": "stringer_value", "type": "main.Name", "text": x.String(), "v": enc(string(x))}
	case Opaque:
		return map[string]any{"t": "stringer", "type": "main.Opaque", "text": x.String()}
	case time.Time:
		return map[string]any{"t": "time", "v": encTime(x)}
	case time.Duration:
		return map[string]any{"t": "duration", "v": strconv.FormatInt(int64(x), 10)}
	}
	panic(fmt.Sprintf("enc: unsupported %T", v))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

func encMap(typ string, x map[string]string) map[string]any {
	entries := [][]any{}
	for _, k := range sortedKeys(x) {
		entries = append(entries, []any{enc(k), enc(x[k])})
	}
	return map[string]any{"t": "map", "type": typ, "v": entries}
}

func encArgs(args []any) []any {
	r := []any{}
	for _, a := range args {
		r = append(r, enc(a))
	}
	return r
}

func sprintf(format string, args ...any) {
	emit(map[string]any{"kind": "sprintf", "format": format, "args": encArgs(args), "out": fmt.Sprintf(format, args...)})
}

func sprint(args ...any) {
	emit(map[string]any{"kind": "sprint", "args": encArgs(args), "out": fmt.Sprint(args...)})
}

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// randomCases prints n Sprintf rows with random flags, widths, precisions, argument indexes
// and verbs over a pool of typed values (seeded, so the rows are reproducible).
func randomCases(n int, seed int64) {
	r := rand.New(rand.NewSource(seed))
	pool := []any{0, 7, -42, math.MaxInt64, uint64(12345), 3.25, -0.0001234, 1e21, math.Inf(1), math.NaN(),
		"", "héllo", "a\tb", true, nil, []string{"x", "y"}, []interface{}{1, "s", nil}, map[string]int{"k": 2},
		Pair{"p", 3}, time.Duration(1500) * time.Millisecond, Color{1, 2, 3}, Level(5), SKV{"k": "v"}, Name("nm")}
	// No %p: FmtArg has no pointers. No time.Time in the pool: with verbs that bypass String(),
	// Go prints its internal fields, which FmtArg cannot express.
	verbs := []rune("vvvvdsqxXfFeEgGtbocUT%!zä")
	for i := 0; i < n; i++ {
		format := ""
		nverbs := 1 + r.Intn(3)
		for j := 0; j < nverbs; j++ {
			if r.Intn(3) == 0 {
				format += []string{"a", " ", "|", "é", "%%"}[r.Intn(5)]
			}
			format += "%"
			for k := r.Intn(3); k > 0; k-- {
				format += string(" +-#0"[r.Intn(5)])
			}
			if r.Intn(8) == 0 {
				format += fmt.Sprintf("[%d]", r.Intn(4))
			}
			switch r.Intn(4) {
			case 0:
				format += strconv.Itoa(r.Intn(12))
			case 1:
				format += "*"
			}
			switch r.Intn(4) {
			case 0:
				format += "." + strconv.Itoa(r.Intn(8))
			case 1:
				format += ".*"
			case 2:
				if r.Intn(4) == 0 {
					format += "."
				}
			}
			if r.Intn(30) != 0 {
				format += string(verbs[r.Intn(len(verbs))])
			}
		}
		var args []any
		for k := r.Intn(4); k > 0; k-- {
			args = append(args, pool[r.Intn(len(pool))])
		}
		sprintf(format, args...)
	}
}

// randomTimeCases prints n rows of Format with random layouts over random times and zones, and
// of Parse of the formatted text (sometimes mangled) with the same layout.
func randomTimeCases(n int, seed int64) {
	r := rand.New(rand.NewSource(seed))
	chunks := []string{"2006", "06", "01", "1", "Jan", "January", "02", "2", "_2", "002", "__2", "15", "03", "3",
		"04", "4", "05", "5", "PM", "pm", "MST", "Z07:00", "-0700", "-07", "Z0700", "-07:00:00", "Z07",
		".000", ".999", ",000000", ".999999999", "Mon", "Monday", " ", "-", ":", "T", "/", "x", "é", "  "}
	zones := []string{"UTC", "America/New_York", "Asia/Kolkata", "Europe/Berlin", "Australia/Lord_Howe", "America/St_Johns"}
	for i := 0; i < n; i++ {
		layout := ""
		for k := 1 + r.Intn(8); k > 0; k-- {
			layout += chunks[r.Intn(len(chunks))]
		}
		sec := r.Int63n(4102444800+2208988800) - 2208988800 // 1900..2100
		if r.Intn(10) == 0 {
			sec = r.Int63n(1<<40) - 1<<39
		}
		t := time.Unix(sec, r.Int63n(1e9)).In(mustLoad(zones[r.Intn(len(zones))]))
		if r.Intn(4) == 0 {
			t = t.Truncate(time.Second)
		}
		text := t.Format(layout)
		emit(map[string]any{"kind": "tfmt", "time": encTime(t), "layout": layout, "out": text})
		value := text
		if r.Intn(3) == 0 && len(value) > 0 {
			j := r.Intn(len(value))
			value = value[:j] + string("09 :.-+AZa"[r.Intn(10)]) + value[j+1:]
		}
		if !utf8.ValidString(value) {
			continue
		}
		pt, err := time.Parse(layout, value)
		res := ""
		if err != nil {
			res = "error: " + err.Error()
		} else {
			res = pt.String() + " | " + strconv.FormatInt(pt.Unix(), 10)
		}
		emit(map[string]any{"kind": "tparse", "layout": layout, "value": value, "out": res})
	}
}

func main() {
	random := flag.Int("random", 500, "number of random Sprintf cases")
	randomTime := flag.Int("random-time", 200, "number of random time Format/Parse cases")
	seed := flag.Int64("seed", 1, "seed for the random cases")
	flag.Parse()
	randomCases(*random, *seed)
	randomTimeCases(*randomTime, *seed)
	if flag.NArg() > 0 && flag.Arg(0) == "random-only" {
		return
	}
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.5, 2.5, -2.5, 1e6, 1e21, 1e-7, 123456789.125,
		1234.5678, 0.000123456, 100000, 999999.5, 5e-324, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.NaN(), math.Inf(1), math.Inf(-1), 1.0 / 3, 2.0 / 3, 0.125, 0.375, 1e20, 1e-5, 123456, 1234567,
		12345678.9, 0.5, 9.999999, 3.14159265358979}
	floatFormats := []string{"%v", "%g", "%e", "%f", "%.2f", "%.4g", "%G", "%E", "%.0f", "%.3e", "%8.2f",
		"%-8.2f|", "%+.1f", "%08.3f", "% f", "%#g", "%#.3g", "%x", "%.1x", "%X", "%b", "%F", "%10v", "%+v",
		"% .3g", "%010g", "%.10g", "%.17g", "%.0e", "%#.0f", "%#v", "%6.1e", "%-+10.2e|"}
	for _, f := range floats {
		for _, ff := range floatFormats {
			sprintf(ff, f)
		}
	}

	ints := []any{0, -1, 1, 42, -42, 255, math.MinInt64, math.MaxInt64, uint64(math.MaxUint64), uint64(7), 0x1F600, 0x10FFFF + 1, int64(-9)}
	intFormats := []string{"%v", "%d", "%5d", "%-5d|", "%05d", "%+d", "% d", "%x", "%X", "%#x", "%#X", "%o", "%#o",
		"%O", "%b", "%#b", "%c", "%q", "%+q", "%U", "%#U", "%.3d", "%8.3d", "%-08d|", "%+05d", "%#v", "%s", "%f",
		"%t", "%x.", "%.0d", "%3.0d|", "%#08x", "% x", "%T"}
	for _, n := range ints {
		for _, f := range intFormats {
			sprintf(f, n)
		}
	}

	strs := []string{"", "hello", "héllo wörld", "日本語", "tab\there", "nl\nx", "quote\"s'", "back`tick", "\x00\x07\x7f", "\u00a0\u200b\ufeff", "emoji😀", "a\\b"}
	strFormats := []string{"%v", "%s", "%q", "%+q", "%#q", "%x", "%X", "% x", "%#x", "%# X", "%10s|", "%-10s|", "%.3s", "%5.1s|",
		"%010s", "%.2x", "%d", "%#v", "%T", "%c", "%8q", "%.0s|"}
	for _, s := range strs {
		for _, f := range strFormats {
			sprintf(f, s)
		}
	}

	for _, b := range []bool{true, false} {
		for _, f := range []string{"%v", "%t", "%6t|", "%-6v|", "%d", "%s", "%q", "%#v", "%T"} {
			sprintf(f, b)
		}
	}

	list := []string{"a", "b c", "é"}
	ilist := []interface{}{"x", 1, 2.5, nil, true}
	flist := []float64{1, 0.5, 1e6}
	m := map[string]string{"b": "2", "a": "1", "z": "last word"}
	mi := map[string]int{"one": 1, "two": 2, "ten": 10}
	mx := map[string]interface{}{"f": 1.5, "n": nil, "s": "str", "l": []string{"p", "q"}}
	kv := KV{"alertname": "Down", "job": "node"}
	pair := Pair{"x", 7}
	alert := Alert{"firing", map[string]string{"a": "b"}, 0.25, nil}
	color := Color{1, 2, 3}
	lv := LabelValue("val")
	containers := []any{list, ilist, flist, m, mi, mx, kv, pair, alert, color, lv, []string{}, map[string]string{},
		Level(3), SKV{"a": "1", "b": "2"}, Name("n"), []interface{}{Level(1), Name("x"), color}, Pair{"in", 2}}
	contFormats := []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%5v", "%-4v|", "%T", "%.1f", "%t", "%X", "%6.2v"}
	for _, c := range containers {
		for _, f := range contFormats {
			sprintf(f, c)
		}
	}

	for _, f := range []string{"%v", "%s", "%q", "%x", "%X", "%10s|", "%-10v|", "%.3s", "%T", "%+q"} {
		sprintf(f, Opaque{"opaque é"})
		sprintf(f, []interface{}{Opaque{"a"}, Opaque{"b"}})
	}
	sprintf("%*d|%.*f", Level(4), 1, Level(2), 3.14159)
	sprint(Name("a"), Name("b"), Level(1), Level(2))

	d := 90*time.Second + 500*time.Millisecond
	for _, dd := range []time.Duration{0, d, -time.Hour, time.Nanosecond, 1500 * time.Microsecond} {
		for _, f := range []string{"%v", "%s", "%d", "%q", "%x", "%T", "%f", "%#v", "%10v|", "%e"} {
			sprintf(f, dd)
		}
	}

	ny := mustLoad("America/New_York")
	kolkata := mustLoad("Asia/Kolkata")
	times := []time.Time{
		{},
		time.Date(2009, time.November, 10, 23, 0, 0, 0, time.UTC),
		time.Date(2024, time.February, 29, 13, 4, 5, 123456789, time.UTC),
		time.Date(2024, time.July, 4, 9, 5, 7, 120000000, ny),
		time.Date(2024, time.January, 4, 0, 30, 0, 0, ny),
		time.Date(2023, time.March, 12, 2, 30, 0, 0, ny),   // skipped by DST
		time.Date(2023, time.November, 5, 1, 30, 0, 0, ny), // repeated by DST
		time.Date(2025, time.December, 31, 23, 59, 59, 999999999, kolkata),
		time.Date(1969, time.December, 31, 23, 59, 59, 1000, time.UTC),
		time.Date(-44, time.March, 15, 12, 0, 0, 0, time.UTC),
		time.Date(12345, time.June, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, time.January, 1, 12, 0, 0, 5000, time.FixedZone("", -(3*3600+30*60))),
		time.Date(2000, time.January, 1, 12, 0, 0, 0, time.FixedZone("XYZ", 5*3600+45*60)),
		time.Date(1850, time.January, 1, 0, 0, 0, 0, ny), // local mean time
		time.Date(2021, time.October, 9, 7, 8, 9, 10, time.UTC),
	}
	for _, t := range times {
		for _, f := range []string{"%v", "%s", "%q", "%T", "%#v", "%40v|", "%x"} {
			sprintf(f, t)
		}
	}

	// Argument handling and error forms.
	sprintf("%d %d", 1)
	sprintf("%d", 1, 2, "x", nil)
	sprintf("%!", 1)
	sprintf("%")
	sprintf("abc%")
	sprintf("%5")
	sprintf("%-", 3)
	sprintf("%.", 3)
	sprintf("%5.", 3)
	sprintf("%z", 3)
	sprintf("%ä", 3)
	sprintf("%%", 3)
	sprintf("%5%")
	sprintf("100%%")
	sprintf("%v", nil)
	sprintf("%d", nil)
	sprintf("%s", nil)
	sprintf("%T", nil)
	sprintf("%5v|", nil)
	sprintf("%*d", 5, 42)
	sprintf("%-*d|", 5, 42)
	sprintf("%*d|", -5, 42)
	sprintf("%.*f", 2, 3.14159)
	sprintf("%*.*f|", 8, 3, 3.14159)
	sprintf("%*d", "x", 42)
	sprintf("%.*d", "x", 42)
	sprintf("%.*d", -1, 42)
	sprintf("%*d", 10000000, 42)
	sprintf("%*d", uint64(3), 42)
	sprintf("%[2]d %[1]d", 1, 2)
	sprintf("%[3]d", 1, 2)
	sprintf("%[0]d", 1)
	sprintf("%[x]d", 1)
	sprintf("%[1]d %d %d", 1, 2)
	sprintf("%[2]*[1]d|", 12, 5)
	sprintf("%[1]*.[2]*[3]f|", 10, 2, 3.14159)
	sprintf("%[1]2d", 5)
	sprintf("%[1].2d", 5)
	sprintf("%[1]", 5)
	sprintf("%[1", 5)
	sprintf("%d %[1]d %d", 7, 8)
	sprintf("%v %v", 1)
	sprintf("%s and %v", "a", []string{"b"})
	sprintf("%.2f%%", 99.5)
	sprintf("%6.2f%% of %s", 12.345, "disk")
	sprintf("%d items", int64(3))
	sprintf("%p", 1)
	sprintf("%.3q", "abcdef")
	sprintf("%#q", "a\tb")
	sprintf("%#+q", "é\n")
	sprintf("%+q", int('é'))
	sprintf("%x", -255)
	sprintf("%#o", 0)
	sprintf("%#x", 0)
	sprintf("%#.3x", 7)
	sprintf("%#O", 8)
	sprintf("%.20f", 0.1)
	sprintf("%.30e", 1.0/3)
	sprintf("%.300f", 1e-300)
	sprintf("%.50g", 0.1)
	sprintf("%.1100f", 5e-324)
	sprintf("%.1200f", 2.5e-320)
	sprintf("%.900e|%.1000g", 1.0/3, 0.1)
	sprintf("%8.3x|", "hello")
	sprintf("%-8x|", "hi")
	sprintf("%08s|", "hi")
	sprintf("%-08s|", "hi")
	sprintf("%08q|", "hi")
	sprintf("%05t", true)
	sprintf("%05v", []int{1, 2})
	sprintf("%v", []interface{}{[]string{"n"}, map[string]int{"k": 1}, Pair{"p", 1}})
	sprintf("%+v", []interface{}{Pair{"p", 1}, nil})
	sprintf("%#v", []interface{}{Pair{"p", 1}, nil, 3, "s"})
	sprintf("%v|%v", time.Duration(0), time.Time{})
	sprintf("%s", []interface{}{1, "a"})
	sprintf("%U", -1)
	sprintf("%c", -1)
	sprintf("%c|%c", 0xD800, 65)
	sprintf("%q", 0xD800)
	sprintf("%.5U", 0x41)
	sprintf("%#.5U", 0x41)
	sprintf("%#U", 0x7)
	sprintf("%10.3U|", 0x41)
	sprintf("%-+ #0d|%-+ #0x", 5, 255)
	sprintf("%+-5d|% -5d|%0-5d|%#-10x|", 7, 7, 7, 7)
	sprintf("%.-1d", 5)
	sprintf("%3.2.1f", 1.5)
	sprintf("%1$d", 5)
	sprintf("%[-1]d %[99]d", 1)
	sprintf("%[2]d", 1)
	sprintf("%[1]*d", "w", 2)
	sprintf("%!d", 1)
	sprintf("%v%", 1)
	sprintf("%\n", 1)
	sprintf("%100000000d", 1)
	sprintf("%.100000000d", 1)
	sprintf("%[1]d%%%[1]x", 255)
	sprintf("%[2]s %[1]s %s", "a", "b")
	sprintf("%d %s", "str", 5)
	sprintf("%+v|%+d|% v", []interface{}{1, -1}, []int{3, -3}, map[string]int{"a": 1})
	sprintf("%q", []interface{}{"a", 1, nil, int('x')})
	sprintf("%6.2f|%-8.3v|%08.3v", []float64{1, 2.345}, []float64{0.5}, []float64{-1.25})
	sprintf("%x|%X|% x", []int{10, 255}, []string{"hi", "é"}, []interface{}{"ab", 171})
	sprintf("%s", map[string]interface{}{"a": []interface{}{1, "b"}, "b": map[string]int{"x": 1}})
	sprintf("%v", map[string]interface{}{})
	sprintf("%#v", map[string]interface{}{"n": nil, "l": []interface{}{}})
	sprintf("%v %v", Pair{}, Alert{})
	sprintf("%+v", Alert{"resolved", nil, math.NaN(), Pair{"in", 1}})
	sprintf("%#v", Alert{"resolved", map[string]string{}, math.Inf(1), []string{"s"}})
	sprintf("%.1f", Pair{"n", 1})
	sprintf("%T %T %T %T", []interface{}{}, map[string]int{}, Pair{}, time.Time{})
	sprintf("%T", []interface{}{nil})
	sprintf("%v", []interface{}{[]interface{}{nil}})
	sprintf("%d", []interface{}{nil, "x", 2.5, true})
	sprintf("%s|%v|%d", time.Duration(-1), time.Duration(math.MaxInt64), time.Duration(math.MinInt64))
	sprintf("%5.1s|%-7q|%x", time.Duration(1500), time.Second, time.Minute)
	sprintf("%c%c%c", 72, 0x1F600, 0x0301)
	sprintf("%q %+q %#q %#+q", 0x1F600, 0x1F600, 0x1F600, int('\''))
	sprintf("%U %#U %#U %#U", 0x1F600, 0x1F600, 0x0301, 0x10FFFF)
	sprintf("%08.3d|%-8.3d|%+.3d|% .3d", -5, -5, 5, 5)
	sprintf("%o %O %#o %#O %b %#b", -8, -8, -8, -8, -5, -5)
	sprintf("%x %X %#x %#X", uint64(math.MaxUint64), uint64(math.MaxUint64), int64(math.MinInt64), int64(math.MinInt64))
	sprintf("%v %#v %d %x", uint64(0), uint64(0), uint64(0), uint64(0))
	sprintf("%.2q|%.1x|%.0q", "日本語", "日本語", "abc")
	sprintf("%5s|%-5s|%05s", "日本", "日本", "日本")
	sprintf("%#q|%#q|%#q", "`", "\u00e9", "\ufeff")
	sprintf("%t %t", true, "x")
	sprintf("%e %E %.0e %#.0e %#e", 0.0, 1e-10, 5.5, 5.5, 1.0)
	sprintf("%g %g %g %g %g %g", 1e-4, 1e-5, 123456.0, 1234567.0, 1e20, 1e21)
	sprintf("%.3g %.3g %.3g %.3g %.3g", 0.0001234, 1234.0, 99.95, 999.5, 100.0)
	sprintf("%#.3g %#.3g %#g %#g %#.0g", 1.0, 100.0, 1e6, 0.0, 1.0)
	sprintf("%#x %#.2x %#X", 1.0, 3.0, 0.1)
	sprintf("%.4g|%.4g|%.4g|%.4g|%.4g", 1e-9, 0.5, 12.5, 1e100, 123456789.0)
	sprintf("%-010.3f|%+010.3f|% 010.3f|%010.3f", -1.5, 1.5, 1.5, math.Inf(-1))
	sprintf("%+v %+v % v % v %010v %-10v|", math.NaN(), math.Inf(1), math.NaN(), math.Inf(1), math.NaN(), math.Inf(-1))
	sprintf("%v|%.3v|%10.3v|%-10.3v|", 1.0/3, 1.0/3, 1.0/3, 1.0/3)

	// Sprint / Sprintln spacing rules.
	sprints := [][]any{
		{}, {"a", "b"}, {1, 2}, {"a", 1, "b"}, {1, "a", 2}, {1.5, 2.5, "x", true, false}, {nil, nil},
		{"a", nil, "b"}, {[]string{"x"}, []string{"y"}}, {lv, lv}, {lv, 1}, {color, 1, color}, {time.Duration(5), 6},
		{math.NaN(), math.Inf(-1), -0.0, 1e21}, {m, mi}, {pair, "s"},
	}
	for _, a := range sprints {
		emit(map[string]any{"kind": "sprint", "args": encArgs(a), "out": fmt.Sprint(a...)})
		emit(map[string]any{"kind": "sprintln", "args": encArgs(a), "out": fmt.Sprintln(a...)})
	}

	// strconv.FormatFloat.
	ftoaVals := append(floats, 1e23, 8.41e21, 5e-310, 1.7976931348623157e308, 0.3, 100, 1e100, 123.456e-100, 4.9406564584124654e-324, 2.2250738585072014e-308)
	// Exact ties between two shortest candidates: Go keeps the even one.
	ties := []float64{740724388116910.25, 2150947266819.28125, 14881570701470.0625, 9514488951590.0625, 2.0137902189699222e+15}
	ftoaVals = append(ftoaVals, ties...)
	rnd := rand.New(rand.NewSource(7))
	for i := 0; i < 12; i++ {
		ftoaVals = append(ftoaVals, math.Float64frombits(rnd.Uint64()&^(1<<63|0x7ff<<52)|uint64(900+rnd.Intn(250))<<52))
	}
	for _, v := range ties {
		for _, f := range []string{"%v", "%.4g", "%e", "%.1f", "%.2f"} {
			sprintf(f, v)
		}
	}
	for _, v := range ftoaVals {
		for _, fc := range []byte{'e', 'E', 'f', 'g', 'G', 'b', 'x', 'X'} {
			precs := []int{-1, 0, 1, 3, 6, 17}
			if fc != 'e' && fc != 'f' && fc != 'g' {
				precs = []int{-1, 2}
			}
			for _, prec := range precs {
				emit(map[string]any{"kind": "ftoa", "bits": strconv.FormatUint(math.Float64bits(v), 10), "fmt": string(fc), "prec": prec, "size": 64,
					"out": strconv.FormatFloat(v, fc, prec, 64)})
			}
		}
		for _, fc := range []byte{'e', 'g', 'f'} {
			emit(map[string]any{"kind": "ftoa", "bits": strconv.FormatUint(math.Float64bits(v), 10), "fmt": string(fc), "prec": -1, "size": 32,
				"out": strconv.FormatFloat(v, fc, -1, 32)})
		}
	}

	// Time.Format over many layouts and times.
	layouts := []string{time.Layout, time.ANSIC, time.UnixDate, time.RubyDate, time.RFC822, time.RFC822Z, time.RFC850,
		time.RFC1123, time.RFC1123Z, time.RFC3339, time.RFC3339Nano, time.Kitchen, time.Stamp, time.StampMilli,
		time.StampMicro, time.StampNano, time.DateTime, time.DateOnly, time.TimeOnly,
		"2006-01-02T15:04:05.000Z07:00", "15:04", "3:04pm", "03:04:05 PM", "Jan 2, 2006 at 3:04pm (MST)",
		"Monday January 2 2006", "_2 __2 002", "Z07 Z0700 Z070000 Z07:00:00 -07 -070000 -07:00:00", "2006.01.02 15h04",
		".0 .00 .999 ,000 ,999999", "05.000000000", "05,9", "15:04:05.99999", "Mo Ja Janet Month Jan1 Mon1",
		"06 2006 _2006 1 01 2 02", "no layout here", "", "2006-01-02 15:04:05.999999999 -0700 MST", "MST MSTx",
		"Janu Mond PM pm", "20061", "0102"}
	for _, t := range times {
		for _, l := range layouts {
			emit(map[string]any{"kind": "tfmt", "time": encTime(t), "layout": l, "out": t.Format(l)})
		}
		emit(map[string]any{"kind": "tstr", "time": encTime(t), "out": t.String()})
		emit(map[string]any{"kind": "tgostr", "time": encTime(t), "out": t.GoString()})
		emit(map[string]any{"kind": "tunix", "time": encTime(t), "out": fmt.Sprintf("%d %d %d %v %d", t.Unix(), t.UnixMilli(), t.UnixNano(), t.IsZero(), t.YearDay())})
		u := t.UTC()
		emit(map[string]any{"kind": "tutc", "time": encTime(t), "out": u.String()})
		for _, zone := range []string{"America/New_York", "Asia/Kolkata", "Europe/Berlin", "Australia/Sydney", "UTC",
			"Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns", "America/Sao_Paulo", "Europe/London", "Pacific/Chatham"} {
			emit(map[string]any{"kind": "tin", "time": encTime(t), "zone": zone, "out": t.In(mustLoad(zone)).String()})
		}
		for _, dur := range []time.Duration{time.Hour, -90 * time.Minute, 1, 24 * 365 * time.Hour} {
			emit(map[string]any{"kind": "tadd", "time": encTime(t), "dur": strconv.FormatInt(int64(dur), 10), "out": t.Add(dur).String()})
		}
		emit(map[string]any{"kind": "tsub", "time": encTime(t), "out": t.Sub(times[1]).String()})
		emit(map[string]any{"kind": "tparts", "time": encTime(t), "out": fmt.Sprintf("%d %s %d %d %d %d %s %d %d %v %v %v",
			t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Weekday(), t.YearDay(), t.UnixMicro(),
			t.Before(times[1]), t.After(times[1]), t.Equal(times[1].In(ny)))})
		for _, dur := range []time.Duration{0, time.Second, 7 * time.Second, time.Hour, 24 * time.Hour, 250 * time.Millisecond, 3 * time.Nanosecond, -time.Minute} {
			emit(map[string]any{"kind": "tround", "time": encTime(t), "dur": strconv.FormatInt(int64(dur), 10),
				"out": t.Round(dur).String() + " | " + t.Truncate(dur).String()})
		}
	}

	// time.Parse (Local is UTC: run with TZ="").
	parses := [][2]string{
		{time.RFC3339, "2024-01-02T03:04:05Z"},
		{time.RFC3339, "2024-01-02T03:04:05+05:30"},
		{time.RFC3339, "2024-01-02T03:04:05.123456789-07:00"},
		{time.RFC3339, "2024-01-02T03:04:05+00:00"},
		{time.RFC3339Nano, "2024-01-02T03:04:05.5Z"},
		{time.RFC3339, "2024-01-02 03:04:05Z"},
		{time.RFC3339, "2024-13-02T03:04:05Z"},
		{time.RFC3339, "2024-02-30T03:04:05Z"},
		{time.RFC3339, "2024-01-02T25:04:05Z"},
		{time.RFC3339, "2024-01-02T03:04:05"},
		{time.RFC3339, "2024-01-02T03:04:05Zjunk"},
		{time.DateTime, "2024-01-02 03:04:05"},
		{time.DateTime, "2024-01-02 03:04:05.25"},
		{time.DateOnly, "2024-01-02"},
		{time.DateOnly, "24-01-02"},
		{time.DateOnly, "2024-1-02"},
		{time.TimeOnly, "23:59:59"},
		{time.TimeOnly, "23:60:00"},
		{time.Kitchen, "3:04PM"},
		{time.Kitchen, "12:00AM"},
		{time.Kitchen, "12:00pm"},
		{time.RFC1123, "Mon, 02 Jan 2006 15:04:05 MST"},
		{time.RFC1123, "Mon, 02 Jan 2006 15:04:05 UTC"},
		{time.RFC1123, "mon, 02 JAN 2006 15:04:05 GMT+3"},
		{time.RFC1123Z, "Mon, 02 Jan 2006 15:04:05 -0700"},
		{time.RFC822, "02 Jan 06 15:04 PST"},
		{time.ANSIC, "Mon Jan  2 15:04:05 2006"},
		{time.UnixDate, "Mon Jan  2 15:04:05 CEST 2006"},
		{"2006-01-02 15:04:05.000", "2024-01-02 03:04:05.123"},
		{"2006-01-02 15:04:05.000", "2024-01-02 03:04:05.12"},
		{"2006-01-02 15:04:05,999", "2024-01-02 03:04:05,5"},
		{"2006-002", "2024-060"},
		{"2006-002", "2023-366"},
		{"2006 __2", "2024  61"},
		{"Jan _2", "Feb  3"},
		{"January 2, 2006", "February 29, 2023"},
		{"02/01/2006", "31/12/1999"},
		{"2006-01-02", "2024-01-02 extra"},
		{"2006-01-02", ""},
		{"2006-01-02", "é"},
		{"15:04 -07", "10:00 +05"},
		{"15:04 Z07:00:00", "10:00 +05:30:15"},
		{"15:04 -0700", "10:00 +2500"},
		{"06", "69"},
		{"06", "68"},
		{"2006-01-02T15:04:05Z0700", "2024-01-02T03:04:05+0100"},
		{time.RFC3339, "2024-01-02T03:04:05+25:00"},
		{time.RFC3339, "2024-01-02T03:04:05+05:61"},
		{time.RFC3339, "2024-01-02T03:04:05,123Z"},
		{time.RFC3339, "2024-01-02t03:04:05z"},
		{time.RFC3339, "10000-01-02T03:04:05Z"},
		{time.RFC3339Nano, "2024-01-02T03:04:05.1234567891234Z"},
		{"Jan _2 15:04:05", "Feb 30 10:00:00"},
		{"2006-01-02 3:04PM", "2024-01-02 13:04PM"},
		{"2006-01-02 15:04:05.999999999", "2024-01-02 03:04:05.1234567891234"},
		{"Mon Jan 2 2006", "Tue Jan 2 2024"},
		{"2006-01-02", "2024-01-0é"},
		{"2006-01-02 MST", "2024-01-02 ABCDEF"},
		{"2006-01-02 MST", "2024-01-02 XY"},
		{"2006-01-02 MST", "2024-01-02 GMT-7"},
		{"2006-01-02 MST", "2024-01-02 +05"},
		{"2006-01-02 MST", "2024-01-02 ChST"},
		{"2006-01-02 MST", "2024-01-02 WITA"},
		{"2006-01-02 MST", "2024-01-02 AEST"},
		{"2006-01-02 MST", "2024-01-02 AEDTX"},
		{"15:04:05 pm", "03:04:05 PM"},
		{"2006 002", "2024 366"},
		{"2006 002", "2023 000"},
		{"2006-01 002", "2024-03 060"},
		{"2006-01-02 002", "2024-02-28 060"},
		{"", ""},
		{"", "x"},
		{"2006-01-02", "2024-01-02  "},
		{"Jan  2", "Jan 2"},
		{"Jan 2", "Jan    2"},
		{"_2 Jan", " 2 Jan"},
		{time.Stamp, "Feb  3 04:05:06.789"},
		{"2006-01-02T15:04:05", "2024-01-02T03:04:05,123"},
		{"15:04:05.000", "10:00:00.12x"},
		{"06", "6a"},
		{"January", "JANUARY"},
		{"January", "janu"},
		{"3PM", "3P"},
		{"-0700", "+07:00"},
		{"Z07:00", "z"},
		{"-07:00:00", "+01:02:03"},
		{"Z070000", "-010203"},
		{"2006", "0000"},
		{"2006", "-001"},
		{"2006-01-02 15", "2024-01-02 24"},
		{"2006-01-02 15:04", "2024-01-02 23:60"},
		{"01/02/2006", "00/02/2024"},
		{"1/2/06 3:04:05", "1/2/06 3:04:05.5"},
		{"15:04:05.000000", "10:00:00.-12345"},
	}
	for _, p := range parses {
		t, err := time.Parse(p[0], p[1])
		res := ""
		if err != nil {
			res = "error: " + err.Error()
		} else {
			res = t.String() + " | " + strconv.FormatInt(t.Unix(), 10)
		}
		emit(map[string]any{"kind": "tparse", "layout": p[0], "value": p[1], "out": res})
	}
	for _, p := range [][2]string{{time.DateTime, "2024-07-04 12:00:00"}, {time.DateTime, "2024-01-04 12:00:00"},
		{time.RFC1123, "Thu, 04 Jul 2024 12:00:00 EDT"}, {time.RFC1123, "Thu, 04 Jul 2024 12:00:00 EST"},
		{time.RFC3339, "2024-07-04T12:00:00-04:00"}, {time.DateTime, "2023-03-12 02:30:00"}} {
		t, err := time.ParseInLocation(p[0], p[1], ny)
		res := ""
		if err != nil {
			res = "error: " + err.Error()
		} else {
			res = t.String() + " | " + strconv.FormatInt(t.Unix(), 10)
		}
		emit(map[string]any{"kind": "tparse_ny", "layout": p[0], "value": p[1], "out": res})
	}
}
