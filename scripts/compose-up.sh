#!/usr/bin/env bash
# Start vecdot with Compose and wait until it is healthy: the second half of
# `make up`, after scripts/docker-build.sh has built the image.
#
# Compose v1 has no `up --wait`, so this polls the container's health status
# (bounded), then prints the URL and a curl example; on failure it prints the
# service's logs and exits non-zero.
#
# Environment: COMPOSE (the Makefile sets "docker compose" or "docker-compose"),
# VECDOT_IMAGE and VECDOT_PORT (read by docker-compose.yml), VECDOT_UP_TIMEOUT
# (seconds to wait for healthy, default 60), COMPOSE_PROJECT_NAME.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'compose-up: %s\n' "$*" >&2; }

if [[ -z ${COMPOSE:-} ]]; then
    if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; else COMPOSE=docker-compose; fi
fi
read -r -a compose <<<"$COMPOSE"
image=${VECDOT_IMAGE:-vecdot:latest}
port=${VECDOT_PORT:-8000}
timeout=${VECDOT_UP_TIMEOUT:-60}

if ! docker image inspect "$image" >/dev/null 2>&1; then
    say "error: no image $image; build it first (make image)"
    exit 1
fi

# --no-build: the image was built with BuildKit; Compose v1 would rebuild it
# with the legacy builder, which rejects the Dockerfile's RUN --mount.
"${compose[@]}" up --detach --no-build
cid=$("${compose[@]}" ps -q vecdot)
[[ -n $cid ]] || { say "error: Compose started no vecdot container"; exit 1; }

fail() {
    say "error: $*; the service's last log lines:"
    "${compose[@]}" logs --no-color --tail=50 vecdot >&2 || true
    exit 1
}

say "waiting up to ${timeout} s for the container to be healthy"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
start=$(now_ms)
while :; do
    state=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$cid")
    case $state in
        "running healthy") break ;;
        "running none") fail "the container has no healthcheck" ;;
        "running unhealthy") fail "the container is unhealthy" ;;
        running\ *) ;;
        *) fail "the container is ${state%% *}" ;;
    esac
    (($(now_ms) - start < timeout * 1000)) || fail "not healthy after ${timeout} s (state: $state)"
    sleep 0.25
done
ms=$(($(now_ms) - start))
say "healthy after $((ms / 1000)).$((ms % 1000 / 100)) s"

cat <<EOF

vecdot is running at http://127.0.0.1:${port}/

  curl 'http://127.0.0.1:${port}/?name=you'
  curl 'http://127.0.0.1:${port}/dot?a=1,2,3&b=4,5,6'
  curl -H 'Content-Type: application/json' -d '{"a": [1, 2, 3], "b": [4, 5, 6]}' http://127.0.0.1:${port}/dot

Logs: make logs    Stop: make down
EOF
