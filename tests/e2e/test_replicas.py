"""Several replicas behind the proxy, under load: every one gets traffic, the metrics add
up exactly, and scaling, a killed replica, a rolling replacement and a restarted proxy
cost what each test says (nothing, but for the proxy's own restart).

Each test is a runbook: start, load, fault, what the clients saw, clean up (the
Compose project's finalizer, pass or fail). The per-address request rate is lifted:
every client here shares the host's address, and these tests are about faults, not
limits (tests/e2e/test_proxy.py and test_abuse.py test the limits).
"""

import time

import pytest
from conftest import REPO, dot_requests, inspect, run, start_service
from loadgen import Kind, Load

pytestmark = pytest.mark.timeout(1800)  # the first test also waits for the image build

UNLIMITED = {"VECDOT_CLIENT_REQUESTS_PER_10S": "100000000"}
CONCURRENCY = 16
MIX = [
    Kind("dot query", "GET", "/dot?a=1,2,3&b=4,5,6", 200, expect=b'{"result":32.0,"n":3}'),
    Kind("dot json", "POST", "/dot", 200, body=b'{"a": [1, 2], "b": [3, 4]}',
         content_type="application/json", expect=b'{"result":11.0,"n":2}'),
    Kind("hello", "GET", "/?name=replica", 200),
]


def port_of(service):
    return int(service.url.rsplit(":", 1)[1])


def report(name, load, extra=""):
    print(f"e2e replicas: {name}: {load.summary()}{extra}")


def test_every_replica_gets_traffic_and_the_metrics_add_up_exactly(image, request):
    service = start_service(image, request, replicas=3, **UNLIMITED)
    k = 900
    mix = [Kind("dot", "GET", "/dot?a=1,2&b=3,4", 200, expect=b'{"result":11.0,"n":2}')]
    with Load(port_of(service), CONCURRENCY, mix, keep_alive=True) as load:
        while len(load.outcomes) < k:
            time.sleep(0.01)
        load._stop.set()
    sent = len(load.outcomes)
    per_replica = [dot_requests(c) for c in service.replicas()]
    print(f"e2e replicas: {sent} GET /dot through the proxy; per replica {per_replica}")
    assert not load.failures()
    assert sum(per_replica) == sent
    assert all(n > 0 for n in per_replica)


def test_scaling_up_and_down_under_load_fails_nothing(image, request):
    service = start_service(image, request, replicas=2, **UNLIMITED)
    proxy_started = inspect(service.proxy, "{{.State.StartedAt}}")
    with Load(port_of(service), CONCURRENCY, MIX) as load:
        time.sleep(2)
        before = set(service.replicas())
        service.scale(3)
        (added,) = set(service.replicas()) - before
        time.sleep(4)  # the proxy's DNS hold (2 s) and a health check later, it is in use
        served_by_new = dot_requests(added)
        service.scale(1)
        time.sleep(3)
    report("scale 2 -> 3 -> 1", load, f"; the added replica answered {served_by_new:.0f} GET /dot")
    assert not load.failures()
    assert served_by_new > 0
    assert inspect(service.proxy, "{{.State.StartedAt}}") == proxy_started  # no proxy restart


def test_a_killed_replica_costs_no_request(image, request):
    service = start_service(image, request, replicas=3, **UNLIMITED)
    victim = service.replicas()[0]
    with Load(port_of(service), CONCURRENCY, MIX) as load:
        time.sleep(2)
        killed_at = time.monotonic()
        run(["docker", "kill", victim], timeout=30)
        time.sleep(5)
    failover = load.slowest_around(killed_at)
    report("docker kill of 1 of 3 replicas", load, f"; slowest request around the kill "
           f"(the failover latency) {failover * 1000:.0f} ms")
    assert not load.failures()


def test_a_rolling_replacement_costs_no_request(image, request):
    service = start_service(image, request, replicas=2, **UNLIMITED)
    old = set(service.replicas())
    with Load(port_of(service), CONCURRENCY, MIX) as load:
        time.sleep(2)
        start = time.monotonic()
        run([str(REPO / "scripts" / "compose-rollout.sh")], timeout=300, env=service.env)
        took = time.monotonic() - start
        time.sleep(2)
    now = set(service.replicas())
    report("rolling replacement of 2 replicas", load, f"; took {took:.1f} s")
    assert not load.failures()
    assert len(now) == 2 and not now & old


def test_a_proxy_restart_finishes_requests_in_flight_and_counts_the_rest(image, request):
    service = start_service(image, request, replicas=2, **UNLIMITED)
    grace = int(inspect(service.proxy, "{{.Config.StopTimeout}}"))
    with Load(port_of(service), CONCURRENCY, MIX, keep_alive=False) as load:
        time.sleep(2)
        restart_at = time.monotonic()
        # `docker restart` sends the image's STOPSIGNAL, SIGUSR1: HAProxy's graceful stop.
        run(["docker", "restart", "--time", str(grace), service.proxy], timeout=grace + 60)
        took = time.monotonic() - restart_at
        time.sleep(2)
    failed = load.failures()
    in_flight = [o for o in load.outcomes if o.start < restart_at - 0.05 < o.end]
    report("proxy restarted (graceful stop, then start)", load,
           f"; down for {took:.1f} s; {len(in_flight)} in flight at the signal, "
           f"{sum(o.ok for o in in_flight)} completed")
    # Requests already in flight complete; those sent while the proxy was down are refused
    # at connect (no wrong answer, no error page): the count is printed above.
    assert all(o.ok for o in in_flight)
    assert all(o.status is None for o in failed), [o for o in failed if o.status is not None][:3]
