#!/usr/bin/env bash
# Install what `make bench` needs beyond the project's virtualenv, from Debian's
# packages: wrk (the HTTP load generator) and valgrind (instruction counts).
# Python packages (Cython, matplotlib) come from bench/requirements.txt.
# Idempotent: installs only what is missing. Needs root (or sudo) only then;
# without either it says what to install and the benchmark skips those parts.
set -euo pipefail

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v valgrind >/dev/null || missing+=(valgrind)
if ((${#missing[@]} == 0)); then
    echo "bench-deps: wrk and valgrind are installed"
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo)
else
    echo "bench-deps: ${missing[*]} missing and no root: apt-get install ${missing[*]};" \
         "until then make bench skips the parts that need them" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "bench-deps: no apt-get here: install ${missing[*]} yourself" >&2
    exit 0
fi
echo "bench-deps: installing ${missing[*]} with apt-get"
"${as_root[@]}" timeout 600 apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" timeout 900 \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
