"""Fixtures for the end-to-end tests: the real images, run by the real Compose file.

`image` builds vecdot's images (the service and its front proxy) once per session with
scripts/docker-build.sh (which also provides the base image and BuildKit where the
machine lacks them). `service` starts them with scripts/compose-up.sh under a Compose
project name of its own and on a free loopback port, so a running `make up` is left
alone, and removes every container and network it made, pass or fail. Requests go
through the proxy, as a user's do.

Every wait is bounded: builds, Compose commands, health polls and HTTP calls.
"""

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("VECDOT_IMAGE", "vecdot:latest")
PROXY_IMAGE = os.environ.get("VECDOT_PROXY_IMAGE", "vecdot-proxy:latest")
BUILD_TIMEOUT = 1500  # a cold build on 2 cores, base image and buildx included, takes minutes
COMPOSE_TIMEOUT = 120
HEALTHY_TIMEOUT = 30
HTTP_TIMEOUT = 10


def compose_command():
    """The Makefile's choice ($COMPOSE), else whichever Compose this machine has."""
    if os.environ.get("COMPOSE"):
        return shlex.split(os.environ["COMPOSE"])
    v2 = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    return ["docker", "compose"] if v2.returncode == 0 else ["docker-compose"]


def run(args, *, timeout, env=None, check=True):
    """Run a command, returning its CompletedProcess; its output is in the failure message."""
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    if check and result.returncode != 0:
        pytest.fail(f"{shlex.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def inspect(ref, fmt, kind="container"):
    return run(["docker", kind, "inspect", "-f", fmt, ref], timeout=30).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def image(request):
    """The runtime image, built from this checkout; a build failure stops the run."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    start = time.monotonic()
    # The build's progress goes straight to the terminal: a cold build takes minutes.
    with capture.global_and_fixture_disabled():
        print(f"\n== e2e: building {IMAGE} with scripts/docker-build.sh", flush=True)
        result = subprocess.run(
            [str(REPO / "scripts" / "docker-build.sh"), "--progress=plain"],
            cwd=REPO, timeout=BUILD_TIMEOUT,
            env={**os.environ, "VECDOT_IMAGE": IMAGE, "VECDOT_PROXY_IMAGE": PROXY_IMAGE},
        )
    if result.returncode != 0:
        pytest.exit(f"scripts/docker-build.sh failed (exit {result.returncode}); see its output above", 1)
    size = int(inspect(IMAGE, "{{.Size}}", kind="image"))
    with capture.global_and_fixture_disabled():
        print(f"== e2e: built {IMAGE} in {time.monotonic() - start:.0f} s; "
              f"runtime image size {size / 1e6:.0f} MB", flush=True)
    return IMAGE


@dataclass
class Service:
    """One running Compose project of vecdot, as the tests see it."""

    compose: list
    env: dict
    container: str          # the first service replica
    proxy: str              # the front proxy's container
    url: str                # the proxy's published port
    seconds_to_healthy: float

    def logs(self):
        return run(["docker", "logs", self.container], timeout=30, check=False)

    def replicas(self):
        """The service containers Compose has now, running or not."""
        return run([*self.compose, "ps", "-q", "vecdot"], timeout=COMPOSE_TIMEOUT,
                   env=self.env).stdout.split()

    def scale(self, replicas):
        """`make up REPLICAS=n` on this project: scale in place and wait until healthy."""
        run([str(REPO / "scripts" / "compose-up.sh")], timeout=COMPOSE_TIMEOUT,
            env={**self.env, "REPLICAS": str(replicas)})

    def get(self, path, **kwargs):
        return http("GET", self.url + path, **kwargs)

    def post(self, path, body, content_type, **kwargs):
        return http("POST", self.url + path, body=body,
                    headers={"Content-Type": content_type}, **kwargs)


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes

    def json(self):
        return json.loads(self.body)


def http(method, url, body=None, headers=None):
    """One HTTP request with urllib; an error status is a Response too, not an exception."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as r:
            return Response(r.status, r.headers.get("Content-Type", ""), r.read())
    except urllib.error.HTTPError as e:
        with e:
            return Response(e.code, e.headers.get("Content-Type", ""), e.read())


def start_service(image, request, replicas=1, **settings):
    """Start a Compose project with scripts/compose-up.sh; its finalizer removes it.

    settings are environment variables for docker-compose.yml, such as the proxy's
    limits (VECDOT_CLIENT_REQUESTS_PER_10S="100000").
    """
    compose = compose_command()
    project = f"vecdot-e2e-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    port = free_port()
    env = {
        **os.environ,
        "COMPOSE": shlex.join(compose),
        "COMPOSE_PROJECT_NAME": project,
        "VECDOT_IMAGE": image,
        "VECDOT_PROXY_IMAGE": PROXY_IMAGE,
        "VECDOT_PORT": str(port),
        "VECDOT_UP_TIMEOUT": str(HEALTHY_TIMEOUT),
        "REPLICAS": str(replicas),
        **settings,
    }

    def down():
        run([*compose, "down", "--volumes", "--remove-orphans", "--timeout", "20"],
            timeout=COMPOSE_TIMEOUT, env=env, check=False)

    request.addfinalizer(down)
    start = time.monotonic()
    # compose-up.sh is `make up`'s second half: it starts the project and waits for healthy.
    up = run([str(REPO / "scripts" / "compose-up.sh")], timeout=COMPOSE_TIMEOUT, env=env, check=False)
    if up.returncode != 0:
        pytest.fail(f"scripts/compose-up.sh exited {up.returncode}\n{up.stdout}\n{up.stderr}")
    container = run([*compose, "ps", "-q", "vecdot"], timeout=COMPOSE_TIMEOUT, env=env).stdout.split()[0]
    proxy = run([*compose, "ps", "-q", "proxy"], timeout=COMPOSE_TIMEOUT, env=env).stdout.strip()
    seconds = seconds_to_healthy(container)
    print(f"e2e: {project} up in {time.monotonic() - start:.1f} s with {replicas} replica(s); "
          f"healthy {seconds:.2f} s after the container started", file=sys.stderr)
    return Service(compose, env, container, proxy, f"http://127.0.0.1:{port}", seconds)


def timestamp(text):
    """Docker's RFC 3339 time with nanoseconds, as seconds since the epoch."""
    whole, fraction, zone = re.fullmatch(r"([^.]+?)(\.\d+)?(Z|[+-]\d\d:\d\d)", text).groups()
    zone = "+00:00" if zone == "Z" else zone
    return datetime.fromisoformat(whole + zone).timestamp() + float(fraction or 0)


def seconds_to_healthy(container):
    """From the container's start to the end of its first passing health check."""
    state = json.loads(inspect(container, "{{json .State}}"))
    passed = [entry for entry in state["Health"]["Log"] if entry["ExitCode"] == 0]
    return timestamp(passed[0]["End"]) - timestamp(state["StartedAt"])


@pytest.fixture(scope="module")
def service(image, request):
    """A running service, shared by the tests of one module."""
    return start_service(image, request)


def dot_requests(container):
    """GET /dot requests one service container answered, summed over its workers: its
    /metrics, read from inside, as Prometheus would on the internal network."""
    text = run(["docker", "exec", container, "python", "-c",
                "import urllib.request; print(urllib.request.urlopen("
                "'http://127.0.0.1:8000/metrics', timeout=10).read().decode())"], timeout=30).stdout
    pattern = r'^vecdot_http_requests_total\{[^}]*route="/dot"[^}]*\} ([0-9.e+]+)$'
    return sum(float(v) for v in re.findall(pattern, text, re.M))
