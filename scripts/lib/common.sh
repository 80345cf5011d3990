# Shell helpers shared by the interop and benchmark scripts. Source it after setting `root`:
#   . "$root/scripts/lib/common.sh"
# It defines:
#   as_root CMD...         run as root (sudo when not root)
#   need_pkg CMD PACKAGE   install the Debian PACKAGE with apt-get unless CMD is on the PATH
#   free_port              print a TCP port that is free on 127.0.0.1 (needs python3)
#   start_workdir          make "$work" (a temp dir) and the "pids" array; on exit every pid in
#                          it is killed and waited for, and the dir removed (kept when KEEP=1)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_pkg() { # command package
    command -v "$1" >/dev/null && return 0
    echo "installing $2 with apt-get..." >&2
    as_root apt-get install -y -qq --no-install-recommends "$2" >/dev/null 2>&1 ||
        { as_root apt-get update -qq >/dev/null 2>&1 &&
            as_root apt-get install -y -qq --no-install-recommends "$2" >/dev/null 2>&1; } ||
        { echo "could not install $2" >&2; exit 2; }
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_workdir() {
    work="$(mktemp -d)"
    pids=()
    trap _common_cleanup EXIT
}

_common_cleanup() {
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
    if [ -n "${KEEP:-}" ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
