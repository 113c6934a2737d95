"""The service as Compose runs it, called over real HTTP on loopback with urllib.

One Compose project serves the whole module (see conftest.service); every request has
a timeout.
"""

import struct

import pytest
from conftest import http, inspect, run

pytestmark = pytest.mark.timeout(1800)  # the first test also waits for the image build


def binary(a, b):
    """POST /dot's octet-stream body: a then b as little-endian float64."""
    return struct.pack(f"<{len(a) + len(b)}d", *a, *b)


# --- The endpoints ------------------------------------------------------------------

def test_healthz_is_ok(service):
    r = service.get("/healthz")
    assert (r.status, r.json()) == (200, {"status": "ok"})


def test_hello_comes_from_the_extension(service):
    r = service.get("/")
    assert r.status == 200
    assert r.content_type.startswith("application/json")
    assert r.json() == {"message": "Hello, world, from C!", "docs": "/docs", "openapi": "/openapi.json"}


def test_hello_greets_by_name(service):
    assert service.get("/?name=e2e").json()["message"] == "Hello, e2e, from C!"


def test_get_dot(service):
    r = service.get("/dot?a=1,2,3&b=4,5,6")
    assert (r.status, r.json()) == (200, {"result": 32.0, "n": 3})


def test_get_dot_accurate_keeps_what_cancellation_would_lose(service):
    # 1e16 + 1 - 1e16: fast summation may give 0.0, the exact mode must give 1.0.
    r = service.get("/dot?a=1e16,1,-1e16&b=1,1,1&accurate=true")
    assert (r.status, r.json()) == (200, {"result": 1.0, "n": 3})


def test_post_dot_json(service):
    r = service.post("/dot", b'{"a": [1, 2, 3], "b": [4, 5, 6], "accurate": false}', "application/json")
    assert (r.status, r.json()) == (200, {"result": 32.0, "n": 3})


def test_post_dot_binary(service):
    r = service.post("/dot", binary([1.5, 2, 3], [4, 5, 6]), "application/octet-stream")
    assert (r.status, r.json()) == (200, {"result": 34.0, "n": 3})


def test_post_dot_binary_larger_than_a_socket_buffer(service):
    n = 100_000  # 1.6 MB body: read in many chunks by the server
    r = service.post("/dot", binary([1.0] * n, [2.0] * n), "application/octet-stream")
    assert (r.status, r.json()) == (200, {"result": 2.0 * n, "n": n})


# --- Errors keep the one JSON shape over real HTTP ----------------------------------

@pytest.mark.parametrize(("method", "path", "body", "content_type", "status"), [
    # a client mistake in the query
    ("GET", "/dot?a=1,2,3&b=4,5", None, None, 400),
    ("GET", "/dot?a=1,x&b=1,2", None, None, 400),
    # a body of the wrong shape or type
    ("POST", "/dot", b"\x00" * 24, "application/octet-stream", 400),
    ("POST", "/dot", b"a=1", "text/plain", 415),
    # routing
    ("GET", "/nowhere", None, None, 404),
    ("DELETE", "/dot", None, None, 405),
], ids=["length-mismatch", "not-a-number", "odd-binary-length", "text-plain", "no-route", "bad-method"])
def test_errors_are_json(service, method, path, body, content_type, status):
    headers = {"Content-Type": content_type} if content_type else {}
    r = http(method, service.url + path, body=body, headers=headers)
    assert r.status == status
    assert r.content_type.startswith("application/json")
    error = r.json()["error"]
    assert error["status"] == status and error["message"]


# --- What Compose configured ---------------------------------------------------------

def test_container_runs_with_the_compose_hardening(service):
    host = inspect(service.container,
                   "{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Init}} {{.HostConfig.RestartPolicy.Name}}")
    assert host.split() == ["true", "true", "unless-stopped"]


def test_root_filesystem_is_read_only_and_tmp_is_writable(service):
    # As the service's own user, inside the running container.
    probe = run(["docker", "exec", service.container, "python", "-c",
                 "import os, tempfile\n"
                 "try:\n    open('/app/probe', 'w')\nexcept OSError as e:\n    print(e.errno)\n"
                 "with tempfile.NamedTemporaryFile() as f:\n    print('tmp-ok')"],
                timeout=30).stdout.split()
    assert probe == ["30", "tmp-ok"]  # 30 is EROFS


def test_gunicorn_workers_run_as_the_image_user(service):
    ps = run(["docker", "top", service.container, "-o", "pid,uid,rss,args"], timeout=30).stdout.splitlines()[1:]
    # docker-init's command line names gunicorn too; it is not one of its processes.
    gunicorn = [line.split(None, 3) for line in ps if "gunicorn" in line and "docker-init" not in line]
    assert len(gunicorn) >= 2  # the master and at least one worker
    assert all(uid != "0" for _, uid, _, _ in gunicorn)
    # Reported, not asserted: the resident memory of each process after the tests above.
    print("e2e: gunicorn RSS (master first): " + ", ".join(f"{int(rss) / 1024:.0f} MiB" for _, _, rss, _ in gunicorn))
