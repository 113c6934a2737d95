"""One client must not starve the others: a flood beside a normal client, through the
front proxy at its default limits (deploy/proxy/haproxy.cfg).

The flood (tests/e2e/flood.py) holds 32 connections: 16 send the largest JSON body the
limits allow, again and again, and 16 send small GETs as fast as they can. Beside it a
normal client sends one small GET at a time. Run twice:

- from another address: the flood runs in a container on the proxy's network. The
  normal client gets every answer, with a p99 under 1 s;
- from the same address (both on this host): they share one per-address budget, so the
  normal client may be told 429 too. Every answer is then a 200 or a JSON 429, and
  it comes quickly.

Both runs print both clients' figures.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import http, run, start_service

pytestmark = pytest.mark.timeout(1800)  # the first test also waits for the image build

FLOOD = Path(__file__).with_name("flood.py")
SECONDS = 15


def normal_client(url, seconds):
    """Small GETs, one at a time: (status, seconds) of each."""
    results = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        response = http("GET", url + "/dot?a=1,2&b=3,4")
        results.append((response.status, time.monotonic() - start, response.content_type))
        time.sleep(0.02)
    return results


def beside(flood_command, url):
    """Run the flood and, once it is under way, the normal client; both clients' results."""
    flood = subprocess.Popen(flood_command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)  # the flood's connections open and its first bodies are on their way
        normal = normal_client(url, SECONDS - 4)
        out, err = flood.communicate(timeout=SECONDS + 60)
    finally:
        flood.kill()
    assert flood.returncode == 0, err
    return normal, json.loads(out.strip().splitlines()[-1])


def summary(normal):
    times = sorted(t for _, t, _ in normal)
    statuses = {}
    for status, _, _ in normal:
        statuses[status] = statuses.get(status, 0) + 1
    return statuses, times[int(0.99 * (len(times) - 1))]


def test_a_flood_from_another_address_does_not_slow_a_normal_client(image, request):
    service = start_service(image, request)
    network = run(["docker", "inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
                   service.proxy], timeout=30).stdout.split()
    frontend = next(n for n in network if n.endswith("_frontend"))
    name = f"{service.env['COMPOSE_PROJECT_NAME']}-flood"
    request.addfinalizer(lambda: run(["docker", "rm", "-f", name], timeout=60, check=False))
    # Half a CPU for the flood: a remote client's own work is not this machine's, and on
    # 2 cores an unbounded flood process would measure the CPU it takes, not the proxy.
    command = ["docker", "run", "--rm", "--name", name, "--network", frontend, "--cpus", "0.5",
               "-v", f"{FLOOD}:/flood.py:ro", image, "python", "/flood.py", "proxy", "8080", str(SECONDS)]
    normal, flood = beside(command, service.url)
    statuses, p99 = summary(normal)
    print(f"e2e abuse, flood from another address: flood got {flood}; the normal client got "
          f"{statuses} in {len(normal)} requests, p99 {p99 * 1000:.0f} ms")
    assert statuses == {200: len(normal)}
    assert p99 < 1.0
    assert flood.get("429", 0) > 0  # the flood was held to its budget


def test_a_flood_from_the_same_address_shares_its_budget_and_nothing_else(image, request):
    service = start_service(image, request)
    port = service.url.rsplit(":", 1)[1]
    normal, flood = beside([sys.executable, str(FLOOD), "127.0.0.1", port, str(SECONDS)], service.url)
    statuses, p99 = summary(normal)
    print(f"e2e abuse, flood from the same address: flood got {flood}; the normal client got "
          f"{statuses} in {len(normal)} requests, p99 {p99 * 1000:.0f} ms")
    assert set(statuses) <= {200, 429}
    assert all(ctype == "application/json" for _, _, ctype in normal)
    assert p99 < 1.0
