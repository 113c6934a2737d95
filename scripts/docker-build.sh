#!/usr/bin/env bash
# Build the vecdot image (default tag vecdot:latest) with BuildKit: `make image`.
#
# Runs `docker buildx build` on the repository after preparing what this machine
# lacks; on an ordinary machine with Docker Hub each step is a no-op:
#   - the base image (scripts/base-image.sh) and the buildx plugin (scripts/buildx.sh);
#   - the Dockerfile's `# syntax=` line makes BuildKit fetch its frontend from
#     Docker Hub. When that image cannot be pulled, the Dockerfile is fed on stdin
#     without that line, so the engine's built-in frontend parses it (it supports
#     everything the Dockerfile uses);
#   - behind a TLS-intercepting proxy, the CA bundle this machine's pip is
#     configured with is passed as the BuildKit secret `pip_cert`; the Dockerfile's
#     pip steps trust it for that step only, and no layer keeps it.
#
# Usage: scripts/docker-build.sh [more `docker buildx build` options]
# Environment:
#   VECDOT_IMAGE               tag to build (default vecdot:latest)
#   VECDOT_DOCKERFILE_SYNTAX   auto (default) | keep | strip: the `# syntax=` line
#   VECDOT_PIP_CERT            CA bundle for pip in the build; "none" passes none
#                              (default: the one the host's pip uses, if any)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
image=${VECDOT_IMAGE:-vecdot:latest}
say() { printf 'docker-build: %s\n' "$*" >&2; }

scripts/base-image.sh
scripts/buildx.sh

build=(docker buildx build --tag "$image" --load)

# The Dockerfile's frontend: keep the `# syntax=` line where its image can be
# pulled, drop it where no registry answers.
syntax=$(sed -nE '1s/^#[[:space:]]*syntax[[:space:]]*=[[:space:]]*([^[:space:]]+).*/\1/p' Dockerfile)
mode=${VECDOT_DOCKERFILE_SYNTAX:-auto}
if [[ -n $syntax && $mode == auto ]]; then
    if timeout 60 docker pull -q "$syntax" >/dev/null 2>&1; then
        mode=keep
    else
        say "cannot pull the Dockerfile frontend $syntax (no registry?): using the engine's built-in frontend"
        mode="strip"
    fi
fi

# The CA bundle pip is told to trust on this machine, if any: a proxy that
# re-signs TLS makes pip inside the build fail without it.
pip_cert() {
    local c
    for c in "${PIP_CERT:-}" \
        "$(python3 -m pip config list 2>/dev/null | sed -nE "s/^global\.cert='(.*)'\$/\1/p" | tail -n 1)" \
        "${REQUESTS_CA_BUNDLE:-}" "${SSL_CERT_FILE:-}"; do
        if [[ -n $c && -s $c ]]; then
            printf '%s\n' "$c"
            return
        fi
    done
}
cert=${VECDOT_PIP_CERT:-$(pip_cert)}
if [[ -n $cert && $cert != none ]]; then
    [[ -s $cert ]] || { say "error: VECDOT_PIP_CERT=$cert is not a readable file"; exit 1; }
    say "pip in the build trusts $cert (BuildKit secret pip_cert; kept in no layer)"
    build+=(--secret "id=pip_cert,src=$cert")
fi

previous=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
say "building $image"
start=$SECONDS
if [[ -n $syntax && $mode == strip ]]; then
    sed '1{/^#[[:space:]]*syntax[[:space:]]*=/d}' Dockerfile | "${build[@]}" --file - "$@" .
else
    "${build[@]}" --file Dockerfile "$@" .
fi
# The image this build replaced, unless a container or another tag still uses it:
# without this, every rebuild leaves a dangling image behind.
if [[ -n $previous && $previous != "$(docker image inspect -f '{{.Id}}' "$image")" ]]; then
    docker image rm "$previous" >/dev/null 2>&1 || true
fi
size=$(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')
say "built $image ($size) in $((SECONDS - start)) s"
