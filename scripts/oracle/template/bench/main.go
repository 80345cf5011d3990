// Times Go's text/template on a template and JSON data (the same inputs the Rust example
// `render_file` takes), so both engines can be compared on one machine. Standard library only.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"text/template"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: main TEMPLATE DATA.json [N]")
		os.Exit(2)
	}
	tb, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	raw, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	n := 2000
	if len(os.Args) > 3 {
		n, _ = strconv.Atoi(os.Args[3])
	}
	var data interface{}
	if err := json.Unmarshal(raw, &data); err != nil {
		panic(err)
	}
	t := template.Must(template.New("t").Parse(string(tb)))
	var b bytes.Buffer
	start := time.Now()
	for i := 0; i < n; i++ {
		b.Reset()
		if err := t.Execute(&b, data); err != nil {
			panic(err)
		}
	}
	fmt.Fprintf(os.Stderr, "go:     %v per render, %d bytes\n", time.Since(start)/time.Duration(n), b.Len())
}
