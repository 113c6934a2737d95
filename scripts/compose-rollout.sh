#!/usr/bin/env bash
# Replace every service replica with a new container, one at a time, under load and
# without a failed request: `make rollout` (after `make image`, to deploy a new build).
#
# Compose's own `up --force-recreate` stops every replica before starting the new
# ones, so the service is down in between. Here each old replica is replaced in
# three steps: start one more replica from the current image and wait until it is
# healthy; then stop one old replica gracefully (gunicorn finishes its requests in
# flight, the proxy stops sending it new ones and replays any it refuses on
# another replica); then remove it.
#
# Environment: COMPOSE, COMPOSE_PROJECT_NAME and VECDOT_UP_TIMEOUT as for
# scripts/compose-up.sh.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'compose-rollout: %s\n' "$*" >&2; }

if [[ -z ${COMPOSE:-} ]]; then
    if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; else COMPOSE=docker-compose; fi
fi
read -r -a compose <<<"$COMPOSE"
timeout=${VECDOT_UP_TIMEOUT:-60}

mapfile -t old < <("${compose[@]}" ps -q vecdot)
((${#old[@]})) || { say "error: no running replicas to replace (make up first)"; exit 1; }
say "replacing ${#old[@]} replica(s), one at a time"

seen=("${old[@]}")  # every replica that is not the next new one
healthy() { [[ $(docker inspect -f '{{.State.Health.Status}}' "$1") == healthy ]]; }

for cid in "${old[@]}"; do
    # One more replica than now; --no-recreate leaves the running ones alone.
    count=$("${compose[@]}" ps -q vecdot | wc -l)
    "${compose[@]}" up --detach --no-build --no-deps --no-recreate --scale "vecdot=$((count + 1))" vecdot 2>/dev/null
    new=$("${compose[@]}" ps -q vecdot | grep -vxF -f <(printf '%s\n' "${seen[@]}") || true)
    [[ $(wc -w <<<"$new") == 1 ]] || { say "error: expected one new replica, found '${new}'"; exit 1; }
    seen+=("$new")
    for _ in $(seq $((timeout * 4))); do healthy "$new" && break; sleep 0.25; done
    healthy "$new" || { say "error: new replica ${new:0:12} not healthy after ${timeout} s; stopping here"; exit 1; }
    # Graceful: the image's STOPSIGNAL (SIGTERM) and Compose's stop_grace_period.
    grace=$(docker inspect -f '{{.Config.StopTimeout}}' "$cid")
    docker stop --time "${grace:-15}" "$cid" >/dev/null
    docker rm "$cid" >/dev/null
    say "replaced ${cid:0:12} with ${new:0:12}"
done
say "done: $("${compose[@]}" ps -q vecdot | wc -l) replica(s), all new"
