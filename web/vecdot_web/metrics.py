"""Prometheus metrics: the series, their update on every request, and GET /metrics.

Under gunicorn every worker is a process of its own, so the series use prometheus_client's
multiprocess mode, as its documentation prescribes: web/gunicorn.conf.py points
PROMETHEUS_MULTIPROC_DIR at a tmpfs directory wiped before the workers start and calls
``mark_process_dead`` when one exits; each worker writes its samples to files there, and
each scrape reads them all into a fresh CollectorRegistry through MultiProcessCollector,
so whichever worker answers, /metrics counts every worker. Without that variable (the
tests' Flask client, ``flask run``) the series live in this process's own registry.

Labels are bounded: a route is its template (``/dot``), never the raw path, or "unmatched"
when no route takes the request (404, 405), and a method outside the standard ones is
"other", so no client can mint new series. The front proxy answers /metrics from
outside with a 404; Prometheus scrapes each replica directly.
"""

import os
import time

from flask import Blueprint, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

bp = Blueprint("metrics", __name__)

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ
# Where the series are registered for a single-process scrape; in multiprocess mode
# they write to files and this registry is not read.
REGISTRY = CollectorRegistry()

_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))

REQUESTS = Counter(
    "vecdot_http_requests", "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"], registry=REGISTRY,
)
DURATION = Histogram(
    "vecdot_http_request_duration_seconds", "Time from the app receiving a request to its response",
    ["method", "route"], registry=REGISTRY,
    # A GET / takes ~0.1 ms in the app, a 1e6-element binary POST tens of ms.
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
IN_FLIGHT = Gauge(
    "vecdot_http_requests_in_flight", "Requests being handled now",
    registry=REGISTRY, multiprocess_mode="livesum",  # the sum over live workers
)
VECTOR_LENGTH = Histogram(
    "vecdot_vector_length", "Elements per vector of each computed dot product",
    registry=REGISTRY, buckets=(0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000),
)
KERNEL_SECONDS = Histogram(
    "vecdot_kernel_seconds", "Time spent in vecdot.dot (the C kernel) per dot product",
    registry=REGISTRY, buckets=(1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0),
)


def init_app(app):
    """Count every request: the factory calls this before any other before_request hook."""
    if not app.config["METRICS"]:
        return
    app.before_request(_start)
    app.after_request(_count)
    app.teardown_request(_finish)
    app.register_blueprint(bp)


def record_dot(n, seconds):
    """What backend.dot reports of each product: its length and the kernel's time."""
    if current_app.config["METRICS"]:
        VECTOR_LENGTH.observe(n)
        KERNEL_SECONDS.observe(seconds)


def _route():
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


def _method():
    return request.method if request.method in _METHODS else "other"


def _start():
    g.metrics_start = time.perf_counter()
    IN_FLIGHT.inc()


def _count(response):
    # Runs for every response the app makes, errors included (they are responses too).
    method, route = _method(), _route()
    REQUESTS.labels(method, route, str(response.status_code)).inc()
    DURATION.labels(method, route).observe(time.perf_counter() - g.get("metrics_start", time.perf_counter()))
    return response


def _finish(exc):
    # teardown_request runs even when no response was made, so the gauge cannot drift.
    if "metrics_start" in g:
        IN_FLIGHT.dec()


@bp.get("/metrics")
def scrape():
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
