#!/usr/bin/env bash
# vecdot on Docker Swarm: `make swarm-up` and `make swarm-down` (deploy/swarm/stack.yml).
#
#   scripts/swarm.sh up     make this engine a single-node swarm if it is not in one,
#                           deploy the stack, wait until every task is healthy and the
#                           proxy answers, print the URL
#   scripts/swarm.sh down   remove the stack and wait until its tasks and networks are
#                           gone; leave the swarm only if `up` created it
#
# The images are the ones `make image` built; --resolve-image never keeps Swarm from
# asking a registry for them (there may be none). Whether `up` created the swarm is
# kept as a label on the node itself, so `down` needs no file of its own.
#
# Environment: VECDOT_STACK (stack name, default vecdot), REPLICAS (default 2),
# VECDOT_PORT (default 8000), VECDOT_IMAGE, VECDOT_PROXY_IMAGE, VECDOT_UP_TIMEOUT
# (seconds, default 120).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'swarm: %s\n' "$*" >&2; }

stack=${VECDOT_STACK:-vecdot}
port=${VECDOT_PORT:-8000}
timeout=${VECDOT_UP_TIMEOUT:-120}
export REPLICAS=${REPLICAS:-2} VECDOT_PORT=$port
label=vecdot.swarm-created-by

node_state() { docker info -f '{{.Swarm.LocalNodeState}}'; }

up() {
    for image in "${VECDOT_IMAGE:-vecdot:latest}" "${VECDOT_PROXY_IMAGE:-vecdot-proxy:latest}"; do
        docker image inspect "$image" >/dev/null 2>&1 || { say "error: no image $image; build it first (make image)"; exit 1; }
    done
    if [[ $(node_state) != active ]]; then
        say "initialising a single-node swarm (advertised on 127.0.0.1)"
        docker swarm init --advertise-addr 127.0.0.1 >/dev/null
        docker node update --label-add "$label=$stack" "$(docker info -f "{{.Swarm.NodeID}}")" >/dev/null
    fi
    say "deploying stack $stack: the proxy and $REPLICAS replica(s)"
    docker stack deploy --resolve-image never --prune -c deploy/swarm/stack.yml "$stack" >/dev/null

    local start=$SECONDS want healthy
    want=$((REPLICAS + 1))
    while :; do
        healthy=$(docker ps --filter "label=com.docker.stack.namespace=$stack" --filter health=healthy -q | wc -l)
        if ((healthy >= want)) && [[ $(python3 - "$port" <<'PY'
import sys, urllib.request
try:
    print(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=2).status)
except Exception as e:
    print(e)
PY
) == 200 ]]; then
            break
        fi
        if ((SECONDS - start > timeout)); then
            say "error: $healthy of $want tasks healthy after ${timeout} s; the tasks:"
            docker stack ps --no-trunc "$stack" >&2 || true
            exit 1
        fi
        sleep 0.5
    done
    say "healthy after $((SECONDS - start)) s"
    cat <<EOT

vecdot is running on Swarm at http://127.0.0.1:${port}/ (the proxy, with ${REPLICAS} replica(s) behind it)

  curl 'http://127.0.0.1:${port}/?name=you'
  curl 'http://127.0.0.1:${port}/dot?a=1,2,3&b=4,5,6'
  curl -H 'Content-Type: application/json' -d '{"a": [1, 2, 3], "b": [4, 5, 6]}' http://127.0.0.1:${port}/dot

Tasks: docker stack ps ${stack}    Scale: docker service scale ${stack}_vecdot=3    Stop: make swarm-down
EOT
}

down() {
    if [[ $(node_state) != active ]]; then
        say "this engine is in no swarm: nothing to remove"
        return
    fi
    if docker stack ls --format '{{.Name}}' | grep -qxF "$stack"; then
        say "removing stack $stack"
        docker stack rm "$stack" >/dev/null
        # stack rm returns at once; its containers and networks go in the background.
        local start=$SECONDS
        while docker ps -aq --filter "label=com.docker.stack.namespace=$stack" | grep -q . ||
            docker network ls -q --filter "label=com.docker.stack.namespace=$stack" | grep -q .; do
            ((SECONDS - start < 60)) || { say "error: stack $stack still has containers or networks after 60 s"; exit 1; }
            sleep 0.5
        done
    fi
    if [[ $(docker node inspect self -f "{{index .Spec.Labels \"$label\"}}" 2>/dev/null) == "$stack" ]]; then
        say "leaving the swarm that swarm-up created"
        docker swarm leave --force >/dev/null
        # `swarm init` made this bridge for its containers and `swarm leave` keeps it.
        docker network rm docker_gwbridge >/dev/null 2>&1 || true
    else
        say "this swarm was not created by swarm-up: staying in it"
    fi
}

case ${1:-} in
    up) up ;;
    down) down ;;
    *) say "usage: scripts/swarm.sh up|down"; exit 2 ;;
esac
