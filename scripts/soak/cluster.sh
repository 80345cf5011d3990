#!/usr/bin/env bash
# HA soak: 3 `klaxon alertmanager` nodes on loopback, ALERTS alerts (default 10000) churning for
# MINUTES minutes (default 10) with one random kill -9 (and restart) a minute; reports
# duplicates, losses, convergence time and RSS per node (see cluster_soak.py).
#
#   scripts/soak/cluster.sh [MINUTES]        KLAXON_BIN=... to use another binary
#   ALERTS=2000 ALERT_GROUPS=100 scripts/soak/cluster.sh 3
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/scripts/lib/common.sh"
need_pkg python3 python3
minutes="${1:-${MINUTES:-10}}"
bin="${KLAXON_BIN:-}"
if [ -z "$bin" ]; then
    (cd "$root" && cargo build -q --release -p klaxon --bin klaxon)
    bin="$root/target/release/klaxon"
fi
start_workdir
python3 "$root/scripts/soak/cluster_soak.py" --bin "$bin" --work "$work" \
    --minutes "$minutes" --alerts "${ALERTS:-10000}" --groups "${ALERT_GROUPS:-500}" \
    --kill-every "${KILL_EVERY:-60}"
