#!/usr/bin/env bash
# Build vecdot's two images with BuildKit: `make image`. The service (Dockerfile,
# default tag vecdot:latest) and its front proxy (deploy/proxy/Dockerfile, default
# tag vecdot-proxy:latest).
#
# Runs `docker buildx build` for each after preparing what this machine lacks; on
# an ordinary machine with Docker Hub each step is a no-op:
#   - the base image (scripts/base-image.sh) and the buildx plugin (scripts/buildx.sh);
#   - the Dockerfile's `# syntax=` line makes BuildKit fetch its frontend from
#     Docker Hub. When that image cannot be pulled, the Dockerfile is fed on stdin
#     without that line, so the engine's built-in frontend parses it (it supports
#     everything the Dockerfile uses);
#   - behind a TLS-intercepting proxy, the CA bundle this machine's pip is
#     configured with is passed as the BuildKit secret `pip_cert`; the Dockerfile's
#     pip steps trust it for that step only, and no layer keeps it.
#
# Usage: scripts/docker-build.sh [more `docker buildx build` options, for both]
# Environment:
#   VECDOT_IMAGE               the service's tag (default vecdot:latest)
#   VECDOT_PROXY_IMAGE         the proxy's tag (default vecdot-proxy:latest)
#   VECDOT_DOCKERFILE_SYNTAX   auto (default) | keep | strip: the `# syntax=` line
#   VECDOT_PIP_CERT            CA bundle for pip in the build; "none" passes none
#                              (default: the one the host's pip uses, if any)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'docker-build: %s\n' "$*" >&2; }

scripts/base-image.sh
scripts/buildx.sh

# The Dockerfiles' frontend (both name the same one): keep the `# syntax=` line
# where its image can be pulled, drop it where no registry answers.
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
secret=()
if [[ -n $cert && $cert != none ]]; then
    [[ -s $cert ]] || { say "error: VECDOT_PIP_CERT=$cert is not a readable file"; exit 1; }
    say "pip in the build trusts $cert (BuildKit secret pip_cert; kept in no layer)"
    secret=(--secret "id=pip_cert,src=$cert")
fi

# build TAG DIR: the image from DIR/Dockerfile, its context DIR.
build() {
    local image=$1 dir=$2 dockerfile=$2/Dockerfile previous size start=$SECONDS
    local cmd=(docker buildx build --tag "$image" --load "${secret[@]}")
    previous=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
    say "building $image from $dockerfile"
    if [[ -n $syntax && $mode == strip ]]; then
        sed '1{/^#[[:space:]]*syntax[[:space:]]*=/d}' "$dockerfile" | "${cmd[@]}" --file - "${extra[@]}" "$dir"
    else
        "${cmd[@]}" --file "$dockerfile" "${extra[@]}" "$dir"
    fi
    # The image this build replaced, unless a container or another tag still uses
    # it: without this, every rebuild leaves a dangling image behind.
    if [[ -n $previous && $previous != "$(docker image inspect -f '{{.Id}}' "$image")" ]]; then
        docker image rm "$previous" >/dev/null 2>&1 || true
    fi
    size=$(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')
    say "built $image ($size) in $((SECONDS - start)) s"
}

extra=("$@")
build "${VECDOT_IMAGE:-vecdot:latest}" .
build "${VECDOT_PROXY_IMAGE:-vecdot-proxy:latest}" deploy/proxy
