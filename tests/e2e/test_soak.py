"""A bounded soak of the running container: steady mixed load, nothing lost, memory flat.

64 kept-alive connections (VECDOT_SOAK_CONNECTIONS) on loopback send a mix of every
endpoint for VECDOT_SOAK_SECONDS (20 in `make test`; `make soak` runs 60 and more),
a fifth of them bad requests the service must refuse with the right status. Every
response is checked, its body too where it is known in advance. At the end: no socket
errors, no unexpected status or body, and each gunicorn worker's resident memory flat
from the first quarter of the run to the end (read from /proc on the host).

A worker recycled by max_requests mid-run closes its idle kept-alive connections; a
client then reopens the connection and sends the request again, as HTTP clients do.
Those reconnects are counted and printed, not failures.
"""

import json
import os
import statistics
import time

import pytest
from conftest import run, start_service
from loadgen import Kind, Load, binary

pytestmark = pytest.mark.timeout(1800)  # the first test also waits for the image build

SECONDS = int(os.environ.get("VECDOT_SOAK_SECONDS", "20"))
CONNECTIONS = int(os.environ.get("VECDOT_SOAK_CONNECTIONS", "64"))
SAMPLE_EVERY = 2.0
RSS_GROWTH_LIMIT_KIB = 8 * 1024   # a leak of 100 bytes per request would pass this in seconds


@pytest.fixture(scope="module")
def service(image, request):
    # All 64 connections come from this host, one address to the front proxy: its
    # per-address limits are lifted, since this is a soak, not a test of the limits.
    return start_service(image, request, VECDOT_CLIENT_REQUESTS_PER_10S="100000000",
                         VECDOT_CLIENT_CONNECTIONS="100000")

N = 100
A, B = [float(i) for i in range(N)], [0.5] * N
DOT = sum(x * y for x, y in zip(A, B, strict=True))  # exact: small integers and halves

LINKS = b'"docs":"/docs","openapi":"/openapi.json"}'  # what GET / names beside its message
MIX = [
    # (kind, weight): the good ...
    (Kind("hello", "GET", "/", 200, expect=b'{"message":"Hello, world, from C!",' + LINKS), 10),
    (Kind("hello name", "GET", "/?name=soak", 200, expect=b'{"message":"Hello, soak, from C!",' + LINKS), 5),
    (Kind("dot query", "GET", "/dot?a=" + ",".join(map(repr, A)) + "&b=" + ",".join(map(repr, B)),
          200, expect=b'{"result":%r,"n":%d}' % (DOT, N)), 20),
    (Kind("dot query accurate", "GET", "/dot?a=1e16,1,-1e16&b=1,1,1&accurate=true", 200,
          expect=b'{"result":1.0,"n":3}'), 10),
    (Kind("dot json", "POST", "/dot", 200, body=json.dumps({"a": A, "b": B}).encode(),
          content_type="application/json", expect=b'{"result":%r,"n":%d}' % (DOT, N)), 15),
    (Kind("dot binary", "POST", "/dot", 200, body=binary(A, B),
          content_type="application/octet-stream", expect=b'{"result":%r,"n":%d}' % (DOT, N)), 15),
    (Kind("healthz", "GET", "/healthz", 200, expect=b'{"status":"ok"}'), 5),
    # ... and the bad, a fifth of the whole
    (Kind("bad number", "GET", "/dot?a=1,x&b=1,2", 400), 4),
    (Kind("length mismatch", "POST", "/dot", 400, body=b'{"a": [1, 2], "b": [1]}',
          content_type="application/json"), 4),
    (Kind("invalid json", "POST", "/dot", 400, body=b'{"a": [1,', content_type="application/json"), 3),
    (Kind("wrong content type", "POST", "/dot", 415, body=b"1,2", content_type="text/plain"), 3),
    (Kind("not found", "GET", "/nope", 404), 2),
    (Kind("method", "DELETE", "/dot", 405), 2),
    (Kind("overflow", "GET", "/dot?a=1e308,1e308&b=10,10", 422), 2),
]


def worker_rss(container):
    """{pid: resident KiB} of the gunicorn workers, from the host's /proc."""
    lines = run(["docker", "top", container, "-eo", "pid,ppid,args"], timeout=30).stdout
    procs = [line.split(None, 2) for line in lines.splitlines()[1:]
             if "bin/gunicorn" in line and "docker-init" not in line]
    pids = {int(p[0]) for p in procs}
    workers = [int(p[0]) for p in procs if int(p[1]) in pids]
    rss = {}
    for pid in workers:
        try:
            with open(f"/proc/{pid}/status") as status:
                rss[pid] = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        except (FileNotFoundError, ProcessLookupError):
            pass  # recycled between the listing and the read
    return rss


def test_soak(service):
    port = int(service.url.rsplit(":", 1)[1])
    kinds, weights = zip(*MIX, strict=True)
    samples = []  # (seconds since start, {pid: KiB})
    start = time.monotonic()
    with Load(port, CONNECTIONS, list(kinds), weights=list(weights), keep_alive=True) as load:
        while time.monotonic() - start < SECONDS:
            samples.append((time.monotonic() - start, worker_rss(service.container)))
            time.sleep(SAMPLE_EVERY)
    elapsed = time.monotonic() - start
    samples.append((elapsed, worker_rss(service.container)))

    outcomes = load.outcomes
    bad = [o for o in outcomes if not o.ok]
    errors = load.socket_errors()
    refused = sum(1 for o in outcomes if o.ok and o.status != 200)
    # Workers alive from the first quarter to the end, and how much each grew.
    early = [rss for t, rss in samples if t >= elapsed / 4][0]
    late = samples[-1][1]
    growth = {pid: late[pid] - early[pid] for pid in early.keys() & late.keys()}
    summary = {
        "seconds": round(elapsed, 1), "connections": CONNECTIONS, "requests": len(outcomes),
        "per_second": round(len(outcomes) / elapsed), "bad_requests_refused": refused,
        "statuses": load.statuses(), "socket_errors": len(errors), "unexpected": len(bad),
        "reconnects": load.reconnects(),
        "reconnected_kinds": sorted({o.kind for o in outcomes if o.reconnected}),
        "latency_ms": {"p50": round(load.latency(0.5) * 1e3, 1), "p99": round(load.latency(0.99) * 1e3, 1)},
        "worker_rss_kib": {"first_quarter": early, "end": late, "growth": growth},
        "workers_recycled": len(set(samples[0][1]) - set(late)),
    }
    print("e2e soak:", json.dumps(summary))
    os.makedirs("build", exist_ok=True)
    with open("build/soak.json", "w") as out:
        json.dump(summary, out, indent=1)

    assert len(outcomes) > CONNECTIONS * SECONDS  # the load really ran
    assert not errors, errors[:5]
    assert not bad, bad[:5]
    assert growth, "no worker lived through the whole run to compare"
    assert max(growth.values()) < RSS_GROWTH_LIMIT_KIB, growth
    assert statistics.median(growth.values()) < RSS_GROWTH_LIMIT_KIB / 2
