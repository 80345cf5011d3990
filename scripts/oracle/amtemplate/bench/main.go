// Go's side of crates/template/benches/am_slack.rs: Alertmanager's own default templates,
// the Slack notifier's default fields, 100 alerts (the same many-100.json), timed with
// testing.Benchmark. Usage: main UPSTREAM_DEFAULT.tmpl UPSTREAM_EMAIL.tmpl DATA.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	am "amoracle/template"
)

var fields = []string{
	`{{ template "slack.default.title" . }}`,
	`{{ template "slack.default.titlelink" . }}`,
	`{{ template "slack.default.pretext" . }}`,
	`{{ template "slack.default.text" . }}`,
	`{{ template "slack.default.fallback" . }}`,
	`{{ template "slack.default.callbackid" . }}`,
	`{{ template "slack.default.footer" . }}`,
	`{{ template "slack.default.color" . }}`,
	"#alerts",
	`{{ template "slack.default.username" . }}`,
	`{{ template "slack.default.iconemoji" . }}`,
	`{{ template "slack.default.iconurl" . }}`,
}

func read(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func main() {
	set, err := am.NewSet(read(os.Args[1]), read(os.Args[2]))
	if err != nil {
		panic(err)
	}
	var data am.Data
	if err := json.Unmarshal([]byte(read(os.Args[3])), &data); err != nil {
		panic(err)
	}
	render := func() int {
		n := 0
		for _, f := range fields {
			s, err := set.ExecText(f, &data)
			if err != nil {
				panic(err)
			}
			n += len(s)
		}
		return n
	}
	size := render()
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			render()
		}
	})
	fmt.Printf("go (Alertmanager's default.tmpl, text/template): %d ns/op  %d B/op  %d allocs/op  (%d iterations, %d bytes rendered)\n",
		r.NsPerOp(), r.AllocedBytesPerOp(), r.AllocsPerOp(), r.N, size)
}
