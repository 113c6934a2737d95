"""The front proxy (deploy/proxy/haproxy.cfg), as clients meet it: its own errors in the
service's JSON shape, slow clients held at the proxy, per-client limits, forwarding.

Each test that needs settings other than the image's defaults starts its own Compose
project; the rest share one. All of them end what they start, pass or fail.
"""

import socket
import threading
import time

import pytest
from conftest import http, run, start_service
from loadgen import Kind, Load

pytestmark = pytest.mark.timeout(1800)  # the first test also waits for the image build

# The image's defaults (deploy/proxy/Dockerfile), which tests read rather than copy.
HEADER_TIMEOUT = 10  # haproxy.cfg's `timeout http-request`


def assert_json_error(response, status):
    assert response.status == status, response.body[:300]
    assert response.content_type == "application/json"
    error = response.json()["error"]
    assert error["status"] == status and error["message"]


def port_of(service):
    return int(service.url.rsplit(":", 1)[1])


# ---- errors the proxy answers itself --------------------------------------------------


def test_metrics_is_not_served_to_clients(service):
    assert_json_error(service.get("/metrics"), 404)
    assert_json_error(service.get("/metrics/"), 404)
    # ... while each replica still serves it on the internal network, for Prometheus.
    inside = run(["docker", "exec", service.container, "python", "-c",
                  "import urllib.request; print(urllib.request.urlopen("
                  "'http://127.0.0.1:8000/metrics').read().decode())"], timeout=30).stdout
    assert "vecdot_http_requests_total" in inside


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(service):
    # The proxy answers from the headers alone: the client sends no body at all.
    with socket.create_connection(("127.0.0.1", port_of(service)), timeout=10) as s:
        s.sendall(b"POST /dot HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 16777217\r\n\r\n")
        head = s.recv(65536)
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"application/json" in head


def test_no_replica_answering_is_a_json_503(image, request):
    service = start_service(image, request)
    for cid in service.replicas():
        run(["docker", "stop", "-t", "15", cid], timeout=60)
    assert_json_error(service.get("/dot?a=1&b=2"), 503)


TOO_LONG_FOR_THE_PROXY = "/dot?a=" + "1," * 70_000 + "1&b=1"  # over one 128 KiB buffer

# HAProxy 3.0 answers what its HTTP/1 parser rejects before a request exists (a request
# line longer than a buffer, headers unfinished at `timeout http-request`) with built-in
# HTML pages: its mux writes them without consulting errorfile. Known and documented in
# docs/deploy.md; these strict xfails turn green (and so fail) the day that changes.
PARSER_ERRORS_ARE_HTML = pytest.mark.xfail(
    strict=True, reason="HAProxy 3.0's HTTP/1 parser errors ignore errorfile (docs/deploy.md)")


def test_a_request_line_too_long_for_the_proxy_is_a_400(service):
    assert service.get(TOO_LONG_FOR_THE_PROXY).status == 400


@PARSER_ERRORS_ARE_HTML
def test_a_request_line_too_long_for_the_proxy_is_a_json_400(service):
    assert_json_error(service.get(TOO_LONG_FOR_THE_PROXY), 400)


def test_a_query_over_the_apps_limit_still_gets_the_apps_413(service):
    # Within the proxy's buffer and gunicorn's request line, over VECDOT_MAX_QUERY_BYTES
    # (64 KiB): the app's own answer, as without the proxy.
    response = service.get("/dot?a=" + "1," * 32_800 + "1&b=1")
    assert_json_error(response, 413)


def test_the_client_address_reaches_gunicorns_access_log(service):
    marker = f"/?name=xff{time.monotonic_ns()}"
    assert service.get(marker).status == 200
    time.sleep(0.5)
    line = next(line for line in service.logs().stdout.splitlines() if "GET / " in line and '"' in line)
    # The access log's last field is X-Forwarded-For, which the proxy set to the client's
    # address as it saw it (the published port's gateway): never empty, never "-".
    assert not line.rstrip().endswith('"-"'), line


# ---- slow clients ---------------------------------------------------------------------


def trickle(port, stop, opened):
    """One slow client: a request a byte every 0.5 s, never finished before the proxy gives up."""
    request = b"GET /dot?a=1,2&b=3,4 HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"p" * 200
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            opened.append(s)
            for byte in request:
                if stop.is_set():
                    return
                s.sendall(bytes([byte]))
                time.sleep(0.5)
    except OSError:
        pass  # the proxy closed it (408): what it should do


def test_slow_clients_do_not_stop_normal_ones(image, request):
    # 120 slow clients, against 16 gunicorn threads (one replica, 2 workers x 8). They
    # stand for many clients, so the per-address connection limit is lifted here.
    service = start_service(image, request, VECDOT_CLIENT_CONNECTIONS="100000")
    port = port_of(service)
    stop, opened = threading.Event(), []
    slow = [threading.Thread(target=trickle, args=(port, stop, opened), daemon=True) for _ in range(120)]
    try:
        for thread in slow:
            thread.start()
        time.sleep(2)  # every slow client connected and trickling
        times, statuses = [], []
        for _ in range(100):
            start = time.monotonic()
            response = service.get("/dot?a=1,2&b=3,4")
            times.append(time.monotonic() - start)
            statuses.append(response.status)
        times.sort()
        p99 = times[98]
        print(f"e2e proxy: 120 slow clients, {len(opened)} connected; a normal client: "
              f"{statuses.count(200)}/100 answered, p50 {times[50] * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
        assert len(opened) == 120
        assert statuses == [200] * 100
        assert p99 < 1.0
    finally:
        stop.set()
        for thread in slow:
            thread.join(timeout=35)


def unfinished_request(service):
    """Headers never finished: what the proxy answers, and after how long."""
    with socket.create_connection(("127.0.0.1", port_of(service)), timeout=HEADER_TIMEOUT + 10) as s:
        s.sendall(b"GET /dot?a=1&b=2 HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        start = time.monotonic()
        answer = s.recv(65536)
        return answer, time.monotonic() - start


def test_a_client_too_slow_gets_a_408_at_the_header_timeout(service):
    answer, waited = unfinished_request(service)
    print(f"e2e proxy: an unfinished request answered after {waited:.1f} s")
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert HEADER_TIMEOUT - 1 < waited < HEADER_TIMEOUT + 5


@PARSER_ERRORS_ARE_HTML
def test_a_client_too_slow_gets_a_json_408(service):
    answer, _ = unfinished_request(service)
    assert b"application/json" in answer.partition(b"\r\n\r\n")[0].lower()


def test_a_body_too_slow_gets_a_json_408(service):
    # Headers complete, body trickled: the request exists, so the proxy's errorfile answers.
    with socket.create_connection(("127.0.0.1", port_of(service)), timeout=HEADER_TIMEOUT + 10) as s:
        s.sendall(b"POST /dot HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100\r\n\r\n{")
        answer = s.recv(65536)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"application/json" in answer.lower() and b'"status":408' in answer


# ---- per-client limits ------------------------------------------------------------------


def test_a_client_over_its_request_rate_gets_a_json_429_with_retry_after(image, request):
    service = start_service(image, request, VECDOT_CLIENT_REQUESTS_PER_10S="50")
    statuses = [service.get("/healthz").status for _ in range(60)]
    print(f"e2e proxy: 60 requests against a limit of 50 per 10 s: {statuses.count(200)} answered, "
          f"{statuses.count(429)} refused")
    assert statuses.count(200) == 50 and statuses.count(429) == 10
    with socket.create_connection(("127.0.0.1", port_of(service)), timeout=10) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        head = s.recv(65536)
    # HAProxy writes header names in lower case, as HTTP/1.1 allows.
    assert head.startswith(b"HTTP/1.1 429 ") and b"\r\nretry-after: 5\r\n" in head.lower()
    assert b"application/json" in head


def test_a_client_over_its_connection_limit_gets_a_json_429(image, request):
    service = start_service(image, request, VECDOT_CLIENT_CONNECTIONS="4")
    port = port_of(service)
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(4)]
    try:
        time.sleep(0.2)
        assert_json_error(service.get("/healthz"), 429)  # the fifth connection
    finally:
        for s in held:
            s.close()
    time.sleep(0.5)
    assert service.get("/healthz").status == 200


def test_load_through_the_proxy_is_answered_in_full(image, request):
    # A short mixed load at the default limits' scale: every answer right, none from the
    # proxy's error pages.
    service = start_service(image, request, VECDOT_CLIENT_REQUESTS_PER_10S="1000000")
    mix = [Kind("dot", "GET", "/dot?a=1,2,3&b=4,5,6", 200, expect=b'{"result":32.0,"n":3}'),
           Kind("hello", "GET", "/healthz", 200)]
    with Load(port_of(service), 16, mix) as load:
        time.sleep(3)
    print(f"e2e proxy: {len(load.outcomes)} requests through the proxy, statuses {load.statuses()}")
    assert load.outcomes and not load.failures()
    assert http("GET", service.url + "/").status == 200
