#!/usr/bin/env bash
# Start vecdot with Compose, the proxy and REPLICAS service containers, and wait
# until every one is healthy: the second half of `make up`, after
# scripts/docker-build.sh has built the images.
#
# Compose v1 has no `up --wait`, so this polls the containers' health status
# (bounded), then prints the URL and curl examples; on failure it prints the
# logs and exits non-zero. Run again with another REPLICAS to scale in place.
#
# Environment: COMPOSE (the Makefile sets "docker compose" or "docker-compose"),
# REPLICAS (service containers, default 1), VECDOT_IMAGE, VECDOT_PROXY_IMAGE and
# VECDOT_PORT (read by docker-compose.yml), VECDOT_UP_TIMEOUT (seconds to wait
# for healthy, default 60), COMPOSE_PROJECT_NAME.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'compose-up: %s\n' "$*" >&2; }

if [[ -z ${COMPOSE:-} ]]; then
    if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; else COMPOSE=docker-compose; fi
fi
read -r -a compose <<<"$COMPOSE"
port=${VECDOT_PORT:-8000}
timeout=${VECDOT_UP_TIMEOUT:-60}
replicas=${REPLICAS:-1}
[[ $replicas =~ ^[1-9][0-9]*$ ]] || { say "error: REPLICAS must be a whole number from 1, not '$replicas'"; exit 1; }

for image in "${VECDOT_IMAGE:-vecdot:latest}" "${VECDOT_PROXY_IMAGE:-vecdot-proxy:latest}"; do
    if ! docker image inspect "$image" >/dev/null 2>&1; then
        say "error: no image $image; build it first (make image)"
        exit 1
    fi
done

# --no-build: the image was built with BuildKit; Compose v1 would rebuild it
# with the legacy builder, which rejects the Dockerfile's RUN --mount.
"${compose[@]}" up --detach --no-build --scale "vecdot=$replicas"
mapfile -t cids < <("${compose[@]}" ps -q)
((${#cids[@]} == replicas + 1)) || { say "error: expected $((replicas + 1)) containers, Compose started ${#cids[@]}"; exit 1; }

fail() {
    say "error: $*; the last log lines:"
    "${compose[@]}" logs --no-color --tail=30 >&2 || true
    exit 1
}

say "waiting up to ${timeout} s for the proxy and $replicas replica(s) to be healthy"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
start=$(now_ms)
for cid in "${cids[@]}"; do
    while :; do
        state=$(docker inspect -f '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$cid")
        case ${state#* } in
            "running healthy") break ;;
            "running none") fail "${state%% *} has no healthcheck" ;;
            # Unhealthy can pass: a replica busy under load misses a few checks.
            # Only the time limit below is final.
            running\ *) ;;
            *) fail "${state%% *} is ${state#* }" ;;
        esac
        (($(now_ms) - start < timeout * 1000)) || fail "not healthy after ${timeout} s ($state)"
        sleep 0.25
    done
done
ms=$(($(now_ms) - start))
say "healthy after $((ms / 1000)).$((ms % 1000 / 100)) s"

cat <<EOF

vecdot is running at http://127.0.0.1:${port}/ (the proxy, with ${replicas} replica(s) behind it)

  curl 'http://127.0.0.1:${port}/?name=you'
  curl 'http://127.0.0.1:${port}/dot?a=1,2,3&b=4,5,6'
  curl -H 'Content-Type: application/json' -d '{"a": [1, 2, 3], "b": [4, 5, 6]}' http://127.0.0.1:${port}/dot

API docs: http://127.0.0.1:${port}/docs
Logs: make logs    Scale: make up REPLICAS=3    Stop: make down
EOF
