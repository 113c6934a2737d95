#!/usr/bin/env bash
# Install what `make bench` needs beyond the project's virtualenv, from Debian's
# packages: wrk (the HTTP load generator) and valgrind (instruction counts).
# Python packages (Cython, matplotlib) come from bench/requirements.txt.
# Idempotent: installs only what is missing. Run as root (or with sudo).
set -euo pipefail

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v valgrind >/dev/null || missing+=(valgrind)
if ((${#missing[@]} == 0)); then
    echo "bench-deps: wrk and valgrind are installed"
    exit 0
fi
echo "bench-deps: installing ${missing[*]}"
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
