"""The app's own CPU per request: each endpoint's WSGI call timed in process, no network.

wrk's req/s mixes the app's work with gunicorn's, the kernel's and wrk's own, all on the
same 2 cores. Calling the Flask app's WSGI entry point directly, with the same request
bytes bench/http_load.py sends, isolates what the app spends per request, with the C
extension and with the pure-Python backend, interleaved like every other figure.
Requires the request files written by http_load.write_requests().
"""

import io
import sys
from pathlib import Path

import timing
from http_load import ENDPOINTS

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "web"))

from vecdot_web import create_app  # noqa: E402


def _environ_factory(args):
    """A function returning a fresh WSGI environ for the request in args (as wrk sends it)."""
    base = {"SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False}
    if args[0] == "GET":
        path, _, query = Path(args[1]).read_text().partition("?")
        base.update(REQUEST_METHOD="GET", PATH_INFO=path, QUERY_STRING=query)
        body = b""
    else:
        body = Path(args[1]).read_bytes()
        base.update(REQUEST_METHOD="POST", PATH_INFO=args[3], QUERY_STRING="",
                    CONTENT_TYPE=args[2], CONTENT_LENGTH=str(len(body)))

    def make():
        environ = dict(base)
        environ["wsgi.input"] = io.BytesIO(body)
        return environ

    return make


def _caller(app):
    def start_response(status, headers, exc_info=None):
        if not status.startswith("200"):
            raise AssertionError(f"the app answered {status}")

    def call(environ):
        return b"".join(app.wsgi_app(environ, start_response))

    return call


def run(requests, rounds, sample_ms, log):
    """{backend: {endpoint: µs per request}} for the C extension and pure Python."""
    apps = {"C": create_app(), "pure-Python": create_app({"PURE_PYTHON": True})}
    cases = []
    for backend, app in apps.items():
        for name in ENDPOINTS:
            env = {"call": _caller(app), "make": _environ_factory(requests[name][0])}
            cases.append(timing.Case(f"{backend}:{name}", "call(make())", env))
    timing.run_rounds(cases, rounds, sample_ms * 1e6)
    result = {backend: {} for backend in apps}
    for case in cases:
        backend, name = case.name.split(":")
        result[backend][name] = case.median / 1e3
    for name in ENDPOINTS:
        log(f"  WSGI {ENDPOINTS[name][0]:<30} C {result['C'][name]:9.1f} µs   "
            f"pure Python {result['pure-Python'][name]:9.1f} µs")
    return result
