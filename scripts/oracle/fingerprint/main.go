// Command fingerprint prints the oracle table for klaxon's label-set hashes.
//
// For each label set in `sets` below it prints one JSON line with the values upstream computes:
//
//   - fingerprint: prometheus/common LabelSet.Fingerprint (FNV-1a 64 via hash/fnv over
//     "name 0xFF value 0xFF" for the names in sorted order), as Alertmanager renders it (%016x);
//   - hash: xxHash64 over the same bytes (Prometheus labels.StableHash, slicelabels Hash,
//     Alertmanager's notify.hashAlert);
//   - stringlabels_hash: xxHash64 over Prometheus' stringlabels encoding (official builds' Hash);
//   - hash_for / hash_without: Prometheus HashForLabels / HashWithoutLabels for the names in the
//     header line (without also skips __name__);
//   - string: Prometheus labels.String();
//   - rank / size_rank: the position of the set when all sets are sorted by Prometheus'
//     labels.Compare / by prometheus/common's LabelSet.Before.
//
// The first line is a header. Standard library only (no module proxy here), so xxHash64 is
// implemented below from its specification; regen.sh cross-checks it against Python's xxhash.
//
// With -xxh-vectors it prints "hex(input)\thash" test vectors for that cross-check instead.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math/bits"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// ---- xxHash64 (seed 0), from the xxHash specification ----

// Variables, not constants, so that sums and negation wrap as the algorithm needs.
var (
	p1 uint64 = 11400714785074694791
	p2 uint64 = 14029467366897019727
	p3 uint64 = 1609587929392839161
	p4 uint64 = 9650029242287828579
	p5 uint64 = 2870177450012600261
)

func round(acc, lane uint64) uint64 {
	acc += lane * p2
	acc = bits.RotateLeft64(acc, 31)
	return acc * p1
}

func mergeRound(acc, v uint64) uint64 {
	acc ^= round(0, v)
	return acc*p1 + p4
}

func xxh64(b []byte) uint64 {
	n := len(b)
	var h uint64
	if n >= 32 {
		v1, v2, v3, v4 := p1+p2, p2, uint64(0), -p1
		for len(b) >= 32 {
			v1 = round(v1, binary.LittleEndian.Uint64(b[0:]))
			v2 = round(v2, binary.LittleEndian.Uint64(b[8:]))
			v3 = round(v3, binary.LittleEndian.Uint64(b[16:]))
			v4 = round(v4, binary.LittleEndian.Uint64(b[24:]))
			b = b[32:]
		}
		h = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) +
			bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		h = mergeRound(h, v1)
		h = mergeRound(h, v2)
		h = mergeRound(h, v3)
		h = mergeRound(h, v4)
	} else {
		h = p5
	}
	h += uint64(n)
	for len(b) >= 8 {
		h ^= round(0, binary.LittleEndian.Uint64(b))
		h = bits.RotateLeft64(h, 27)*p1 + p4
		b = b[8:]
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b)) * p1
		h = bits.RotateLeft64(h, 23)*p2 + p3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * p5
		h = bits.RotateLeft64(h, 11) * p1
	}
	h ^= h >> 33
	h *= p2
	h ^= h >> 29
	h *= p3
	h ^= h >> 32
	return h
}

// ---- label sets ----

type pair [2]string

// A label set as upstream holds it: a map (duplicate input names: the last wins).
type labelSet map[string]string

func (ls labelSet) sortedNames() []string {
	names := make([]string, 0, len(ls))
	for n := range ls {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// fingerprint is prometheus/common's LabelSet.Fingerprint, using the standard library FNV.
func (ls labelSet) fingerprint() uint64 {
	h := fnv.New64a()
	for _, n := range ls.sortedNames() {
		h.Write([]byte(n))
		h.Write([]byte{0xff})
		h.Write([]byte(ls[n]))
		h.Write([]byte{0xff})
	}
	return h.Sum64()
}

// sepBytes is "name 0xFF value 0xFF" for the sorted names for which keep holds.
func (ls labelSet) sepBytes(keep func(string) bool) []byte {
	var b []byte
	for _, n := range ls.sortedNames() {
		if keep(n) {
			b = append(b, n...)
			b = append(b, 0xff)
			b = append(b, ls[n]...)
			b = append(b, 0xff)
		}
	}
	return b
}

func appendSize(b []byte, n int) []byte {
	if n < 255 {
		return append(b, byte(n))
	}
	return append(b, 255, byte(n), byte(n>>8), byte(n>>16))
}

// stringlabels is Prometheus' stringlabels encoding of the set.
func (ls labelSet) stringlabels() []byte {
	var b []byte
	for _, n := range ls.sortedNames() {
		b = appendSize(b, len(n))
		b = append(b, n...)
		b = appendSize(b, len(ls[n]))
		b = append(b, ls[n]...)
	}
	return b
}

func isLegacyLabelName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9' && i > 0) {
			return false
		}
	}
	return true
}

// String renders as Prometheus' labels.String().
func (ls labelSet) String() string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, n := range ls.sortedNames() {
		if i > 0 {
			sb.WriteString(", ")
		}
		if isLegacyLabelName(n) {
			sb.WriteString(n)
		} else {
			sb.WriteString(strconv.Quote(n))
		}
		sb.WriteByte('=')
		sb.WriteString(strconv.Quote(ls[n]))
	}
	sb.WriteByte('}')
	return sb.String()
}

// compare is Prometheus' labels.Compare: pairs in order, name then value; a prefix sorts first.
func compare(a, b labelSet) int {
	an, bn := a.sortedNames(), b.sortedNames()
	for i := 0; i < len(an) && i < len(bn); i++ {
		if c := strings.Compare(an[i], bn[i]); c != 0 {
			return c
		}
		if c := strings.Compare(a[an[i]], b[bn[i]]); c != 0 {
			return c
		}
	}
	return len(an) - len(bn)
}

// before is prometheus/common's LabelSet.Before.
func before(a, b labelSet) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	all := append(a.sortedNames(), b.sortedNames()...)
	sort.Strings(all)
	for _, n := range all {
		av, ok := a[n]
		if !ok {
			return true
		}
		bv, ok := b[n]
		if !ok {
			return false
		}
		if av != bv {
			return av < bv
		}
	}
	return false
}

var (
	hashForNames     = []string{"__name__", "instance", "job"}
	hashWithoutNames = []string{"instance"}
)

func p(kv ...string) []pair {
	if len(kv)%2 != 0 {
		panic("odd number of strings")
	}
	var out []pair
	for i := 0; i < len(kv); i += 2 {
		out = append(out, pair{kv[i], kv[i+1]})
	}
	return out
}

// numbered is n labels named prefix00, prefix01, ... with values from value(i).
func numbered(n int, prefix string, value func(int) string) []pair {
	var out []pair
	for i := 0; i < n; i++ {
		out = append(out, pair{fmt.Sprintf("%s%02d", prefix, i), value(i)})
	}
	return out
}

// sets are the label sets of the table, in input order (not necessarily sorted).
func sets() [][]pair {
	long := func(n int) string {
		var sb strings.Builder
		for sb.Len() < n {
			sb.WriteString("abcdefghijklmnopqrstuvwxyz0123456789-")
		}
		return sb.String()[:n]
	}
	return [][]pair{
		// Empty and tiny.
		nil,
		p("a", "b"),
		p("__name__", "up"),
		p("a", ""),
		p("a", "", "b", "x"),
		p("", "empty-name"),
		// Typical series.
		p("job", "prometheus", "__name__", "up", "instance", "localhost:9090"),
		p("__name__", "up", "instance", "localhost:9100", "job", "node"),
		p("__name__", "http_requests_total", "code", "200", "handler", "/api/v1/query",
			"instance", "10.0.0.1:8080", "job", "api", "method", "GET"),
		p("__name__", "node_cpu_seconds_total", "cpu", "0", "instance", "node1:9100",
			"job", "node", "mode", "idle"),
		p("__name__", "container_memory_working_set_bytes", "container", "app",
			"endpoint", "https-metrics", "id", "/kubepods/burstable/pod1234", "image",
			"registry.example.com/app:v1.2.3", "instance", "10.1.2.3:10250", "job", "kubelet",
			"metrics_path", "/metrics/cadvisor", "name", "k8s_app_app-5d9f8", "namespace",
			"default", "node", "worker-1", "pod", "app-5d9f8c7b6-xk2lp", "service", "kubelet"),
		p("__name__", "http_request_duration_seconds_bucket", "le", "+Inf", "job", "api"),
		p("__name__", "rpc_durations_seconds", "quantile", "0.99", "service", "uniform"),
		// Alerts.
		p("alertname", "test"),
		p("alertname", "InstanceDown", "instance", "node1:9100", "job", "node", "severity", "page"),
		p("severity", "critical", "alertname", "HighLatency", "service", "api", "team", "backend"),
		p("alertname", "Watchdog", "prometheus", "monitoring/k8s", "severity", "none"),
		p("alertname", "KubePodCrashLooping", "container", "app", "namespace", "prod",
			"pod", "app-1", "severity", "warning", "cluster", "eu-west-1"),
		// Rule group identity (rule evaluation offsets).
		p("file", "/etc/prometheus/rules/alerts.yml", "name", "node.rules"),
		// The separator makes these differ.
		p("a", "bc"),
		p("ab", "c"),
		// Byte order: upper case and '_' before lower case.
		p("b", "1", "B", "2", "_", "3", "a", "4", "Z", "5"),
		// Duplicate input name: the map keeps the last.
		p("dup", "first", "dup", "second", "x", "y"),
		// Unicode.
		p("service.name", "ünïcödé", "😀", "🔥", "名前", "値"),
		p("msg", "héllo wörld ☃ 日本語 עברית العربية", "accent", "e\u0301"),
		p("ü", "ÿ", "\u00ff", "\u00ff"),
		p("greek", "Σ", "00", "zero"),
		// Odd names (UTF-8 names are quoted when printed).
		p("a.b", "1", "a-b", "2", "9x", "3", "with space", "4", "c:d", "5"),
		p("quote\"name", "q", "back\\slash", "b", "tab\tname", "t", "{", "}", "=", "eq"),
		// Values that need escaping when printed.
		p("ctl", "nul\x00bell\x07bs\x08ff\x0cnl\nnr\rtab\tvt\x0bdel\x7f"),
		p("q", "say \"hi\" \\ back", "esc", "\\n is not a newline"),
		p("space", "nbsp\u00a0zwsp\u200bbom\ufeffls\u2028shy\u00ad", "pua", "\ue000\U000f0000"),
		p("emoji", "\U0001F600\U0001F469\u200d\U0001F4BB", "unassigned", "\U000e0080\u0378"),
		// Lengths around the stringlabels size byte and the 1 KiB hash buffer.
		p("v254", long(254)),
		p("v255", long(255)),
		p("v256", long(256)),
		p("n"+long(300), "long name"),
		p("big", long(2000), "small", "x"),
		numbered(40, "label_", func(i int) string { return long(20 + i) }),
		numbered(30, "l", func(i int) string { return strconv.Itoa(i * i) }),
	}
}

func hex16(v uint64) string { return fmt.Sprintf("%016x", v) }

func main() {
	vectors := flag.Bool("xxh-vectors", false, "print xxHash64 test vectors instead of the table")
	flag.Parse()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()

	if *vectors {
		// Every length 0..300 (all tail and stripe paths) and a few large ones.
		var data []byte
		for i := 0; i < 5000; i++ {
			data = append(data, byte(i*7+i/256))
		}
		lengths := []int{}
		for n := 0; n <= 300; n++ {
			lengths = append(lengths, n)
		}
		lengths = append(lengths, 1023, 1024, 1025, 4096, 5000)
		for _, n := range lengths {
			fmt.Fprintf(out, "%s\t%s\n", hex.EncodeToString(data[:n]), hex16(xxh64(data[:n])))
		}
		return
	}

	type row struct {
		Labels           []pair `json:"labels"`
		Fingerprint      string `json:"fingerprint"`
		Hash             string `json:"hash"`
		StringlabelsHash string `json:"stringlabels_hash"`
		HashFor          string `json:"hash_for"`
		HashWithout      string `json:"hash_without"`
		String           string `json:"string"`
		Rank             int    `json:"rank"`
		SizeRank         int    `json:"size_rank"`
	}
	inputs := sets()
	maps := make([]labelSet, len(inputs))
	rows := make([]row, len(inputs))
	seen := map[string]int{}
	for i, in := range inputs {
		ls := labelSet{}
		for _, kv := range in {
			ls[kv[0]] = kv[1]
		}
		maps[i] = ls
		if in == nil {
			in = []pair{}
		}
		inSet := func(names []string) func(string) bool {
			return func(n string) bool {
				for _, x := range names {
					if x == n {
						return true
					}
				}
				return false
			}
		}
		rows[i] = row{
			Labels:           in,
			Fingerprint:      hex16(ls.fingerprint()),
			Hash:             hex16(xxh64(ls.sepBytes(func(string) bool { return true }))),
			StringlabelsHash: hex16(xxh64(ls.stringlabels())),
			HashFor:          hex16(xxh64(ls.sepBytes(inSet(hashForNames)))),
			HashWithout: hex16(xxh64(ls.sepBytes(func(n string) bool {
				return n != "__name__" && !inSet(hashWithoutNames)(n)
			}))),
			String: ls.String(),
		}
		if j, dup := seen[rows[i].String]; dup {
			fmt.Fprintf(os.Stderr, "sets %d and %d are equal\n", j, i)
			os.Exit(1)
		}
		seen[rows[i].String] = i
	}
	rank := func(less func(a, b labelSet) bool, set func(r *row, k int)) {
		idx := make([]int, len(maps))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(x, y int) bool { return less(maps[idx[x]], maps[idx[y]]) })
		for k, i := range idx {
			set(&rows[i], k)
		}
	}
	rank(func(a, b labelSet) bool { return compare(a, b) < 0 }, func(r *row, k int) { r.Rank = k })
	rank(before, func(r *row, k int) { r.SizeRank = k })

	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	header := map[string]any{
		"generated_by":       "scripts/oracle/fingerprint/regen.sh",
		"go":                 runtime.Version(),
		"hash_for_names":     hashForNames,
		"hash_without_names": hashWithoutNames,
		"rows":               len(rows),
	}
	if err := enc.Encode(header); err != nil {
		panic(err)
	}
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			panic(err)
		}
	}
}
