#!/usr/bin/env bash
# Regenerates the tables of `title` from golang.org/x/text/cases itself (Prometheus' `title` is
# cases.Title(language.AmericanEnglish, cases.NoLower); Alertmanager's, without NoLower, shares
# the word breaking and title case, klaxon's crate::title serves both):
#   crates/template/src/title_table.rs
#   scripts/oracle/promtemplate/template/title_table.go
# Usage: regen.sh XTEXT_DIR, where XTEXT_DIR holds a checkout of golang.org/x/text (the
# packages cases, language, transform, internal, unicode/norm suffice). The module proxy is
# not needed: the generator builds in GOPATH mode.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
xtext="$(cd "$1" && pwd)"
gopath="$(mktemp -d)"
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/golang.org/x" "$gopath/src/xtextgen"
ln -s "$xtext" "$gopath/src/golang.org/x/text"
cp "$here/main.go" "$gopath/src/xtextgen/"
cd "$gopath/src/xtextgen"
export GOPATH="$gopath" GO111MODULE=off GOFLAGS=-tags=xtext
go run . rust > "$root/crates/template/src/title_table.rs"
go run . go > "$root/scripts/oracle/promtemplate/template/title_table.go"
(cd "$root/scripts/oracle/promtemplate" && GO111MODULE=on GOFLAGS= go fmt ./template >/dev/null)
echo "wrote title tables" >&2
