"""GET /metrics: Prometheus series that count every request exactly, by route template.

In process (the Flask test client) the series live in one registry, so each test reads
the change it caused. Under real gunicorn with two workers, multiprocess mode must add
up every worker's samples: K requests give exactly K, and a worker killed by SIGKILL
loses none of the counts it made.
"""

import os
import signal
import time

import gunicorn_process
import pytest
from prometheus_client.parser import text_string_to_metric_families
from web_oracle import packed

REQUESTS = "vecdot_http_requests_total"


def samples(text):
    """{(name, frozenset(labels)): value} of a scrape."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scrape, name, **labels):
    return scrape.get((name, frozenset(labels.items())), 0.0)


def scrape(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


def test_metrics_lists_every_series(client):
    names = {name for name, _ in scrape(client)}
    assert {"vecdot_http_requests_in_flight"} <= names
    client.get("/dot?a=1&b=2")
    names = {name for name, _ in scrape(client)}
    assert {REQUESTS, "vecdot_http_request_duration_seconds_bucket", "vecdot_vector_length_bucket",
            "vecdot_kernel_seconds_count"} <= names


# Each request and the (method, route, status) it must be counted under: the route is the
# template, never the raw path, and an unknown method cannot mint a series of its own.
@pytest.mark.parametrize("method, path, labels", [
    ("GET", "/dot?a=1,2&b=3,4", ("GET", "/dot", "200")),
    ("GET", "/dot?a=1&b=2,3", ("GET", "/dot", "400")),
    ("POST", "/dot", ("POST", "/dot", "415")),
    ("GET", "/?name=Ada", ("GET", "/", "200")),
    ("GET", "/healthz", ("GET", "/healthz", "200")),
    ("GET", "/no/such/path/12345", ("GET", "unmatched", "404")),
    ("BREW", "/dot", ("other", "unmatched", "405")),  # no route takes BREW: unmatched, as a 404
    ("GET", "/dot?pad=" + "x" * 70_000, ("GET", "/dot", "413")),  # refused before any view runs
])
def test_each_request_is_counted_once_under_its_route_template(client, method, path, labels):
    method_label, route, status = labels
    before = scrape(client)
    response = client.open(path, method=method)
    assert response.status_code == int(status)
    after = scrape(client)
    changed = {key: after[key] - before.get(key, 0.0) for key in after
               if key[0] == REQUESTS and after[key] != before.get(key, 0.0)}
    key = (REQUESTS, frozenset({"method": method_label, "route": route, "status": status}.items()))
    # The scrape before counted itself too; apart from /metrics, exactly this one moved.
    changed.pop((REQUESTS, frozenset({"method": "GET", "route": "/metrics", "status": "200"}.items())))
    assert changed == {key: 1.0}


def test_dot_products_record_their_length_and_kernel_time(client):
    before = scrape(client)
    assert client.post("/dot", data=packed([1.0] * 500, [2.0] * 500),
                       content_type="application/octet-stream").status_code == 200
    after = scrape(client)
    assert value(after, "vecdot_vector_length_count") - value(before, "vecdot_vector_length_count") == 1
    assert value(after, "vecdot_vector_length_sum") - value(before, "vecdot_vector_length_sum") == 500
    # 500 lies in the (100, 1000] bucket: the le="100" bucket did not move, le="1000" did.
    for le, moved in (("100.0", 0), ("1000.0", 1)):
        assert (value(after, "vecdot_vector_length_bucket", le=le)
                - value(before, "vecdot_vector_length_bucket", le=le)) == moved
    assert value(after, "vecdot_kernel_seconds_count") - value(before, "vecdot_kernel_seconds_count") == 1
    assert value(after, "vecdot_kernel_seconds_sum") > value(before, "vecdot_kernel_seconds_sum")


def test_in_flight_returns_to_where_it_was(client):
    before = value(scrape(client), "vecdot_http_requests_in_flight")
    for path in ("/dot?a=1&b=2", "/dot?a=x&b=2", "/nope"):
        client.get(path)
    # The scrape itself is in flight while it is written: one more than at rest.
    assert value(scrape(client), "vecdot_http_requests_in_flight") == before


def test_metrics_off_is_404_and_counts_nothing(make_app, client):
    quiet = make_app(METRICS=False).test_client()
    before = scrape(client)
    quiet.get("/dot?a=1&b=2")
    assert quiet.get("/metrics").status_code == 404
    after = scrape(client)
    assert value(after, REQUESTS, method="GET", route="/dot", status="200") == \
        value(before, REQUESTS, method="GET", route="/dot", status="200")


# ---- under gunicorn: several workers, one count ------------------------------------


@pytest.fixture
def metrics_dir(tmp_path):
    path = tmp_path / "metrics"
    path.mkdir()
    # A counter file left by an earlier run, from a pid that is not running: the server
    # must wipe it at start, or its count would be added to this run's.
    (path / "counter_999999.db").write_bytes(b"\0" * 64)
    return path


def fetch_metrics(port):
    status, content_type, body = gunicorn_process.request(port, "GET", "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    return samples(body.decode())


def dot_count(scrape_):
    return value(scrape_, REQUESTS, method="GET", route="/dot", status="200")


def test_counts_add_up_exactly_across_workers_and_a_killed_one(tmp_path, metrics_dir):
    server = gunicorn_process.start(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    try:
        assert "counter_999999.db" not in os.listdir(metrics_dir)
        K = 200
        # A new connection per request, so the kernel hands them to both workers.
        for i in range(K):
            assert gunicorn_process.request(server.port, "GET", f"/dot?a={i}&b=1")[0] == 200
        pids = {name.rsplit("_", 1)[1].removesuffix(".db") for name in os.listdir(metrics_dir)
                if name.startswith("counter_")}
        assert len(pids) == 2, f"expected both workers to have counted, files: {os.listdir(metrics_dir)}"
        assert dot_count(fetch_metrics(server.port)) == K

        # SIGKILL one worker: gunicorn starts another, child_exit marks the dead one, and
        # its counts stay in the total.
        victim = int(sorted(pids)[0])
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + gunicorn_process.START_TIMEOUT
        while f"gauge_livesum_{victim}.db" in os.listdir(metrics_dir):
            assert time.monotonic() < deadline, "child_exit did not mark the killed worker dead"
            time.sleep(0.05)
        for i in range(K):
            assert gunicorn_process.request(server.port, "GET", f"/dot?a={i}&b=2")[0] == 200
        assert dot_count(fetch_metrics(server.port)) == 2 * K
    finally:
        server.stop()


def test_counts_add_up_when_gunicorn_makes_its_own_metrics_dir(tmp_path):
    # As the image runs it: no PROMETHEUS_MULTIPROC_DIR in the environment, so on_starting
    # makes one. prometheus_client picks its mode when first imported; imported in the
    # master before that (by gunicorn.conf.py), every worker would count only in its
    # own memory and a scrape would show one worker's share.
    server = gunicorn_process.start(tmp_path)
    try:
        K = 200
        for i in range(K):  # a new connection per request: both workers get some
            assert gunicorn_process.request(server.port, "GET", f"/dot?a={i}&b=1")[0] == 200
        assert dot_count(fetch_metrics(server.port)) == K
    finally:
        server.stop()
