"""What the web app's own code spends, in process: parsing per value, and CPU per request.

- parse: for 1000 values of three shapes (17-digit repr, as JSON encoders and Python
  clients send; 6 decimals; small integers), the query string through vecdot.parse (C)
  and through float() on each field, and a JSON body through orjson (the service's
  choice) and the standard json. ns per value.
- wsgi: each endpoint of bench/http_load.py called through the Flask app's WSGI entry
  point with the very request bytes wrk sends, with the C extension and with the
  pure-Python backend: no network, no gunicorn, no wrk on the same cores. µs per request.
Both timed interleaved by bench/timing.py.
"""

import io
import json
import random
import sys
from pathlib import Path

import http_load
import orjson
import timing
import vecdot

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "web"))

from vecdot_web import create_app  # noqa: E402

N = 1000


def parse_cases():
    rng = random.Random(5)
    values = [rng.uniform(-1, 1) for _ in range(N)]
    return {"repr17": values, "decimal6": [round(v, 6) for v in values],
            "int": [rng.randrange(-1000, 1000) for _ in range(N)]}


def parse(rounds, sample_ms, log):
    """{shape: {parser: ns per value}}."""
    result = {}
    for shape, values in parse_cases().items():
        env = {"parse": vecdot.parse, "csv": ",".join(map(repr, values)), "orjson_loads": orjson.loads,
               "json_loads": json.loads, "body": json.dumps({"a": values, "b": values}).encode()}
        cases = [
            timing.Case("vecdot.parse", "parse(csv)", env),
            timing.Case("float() per field", "[float(f) for f in csv.split(',')]", env),
            timing.Case("orjson.loads", "orjson_loads(body)", env),
            timing.Case("json.loads", "json_loads(body)", env),
        ]
        timing.run_rounds(cases, rounds, sample_ms * 1e6)
        # The JSON body holds 2N values, the CSV text N.
        result[shape] = {c.name: c.median / (2 * N if "loads" in c.name else N) for c in cases}
        log("  parse " + shape + ": " + ", ".join(f"{k} {v:.1f} ns" for k, v in result[shape].items()))
    return result


def environ_factory(args):
    """A function returning a fresh WSGI environ for the request wrk sends with these script args."""
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
    return lambda: {**base, "wsgi.input": io.BytesIO(body)}


def caller(app):
    def start_response(status, headers, exc_info=None):
        if not status.startswith("200"):
            raise AssertionError(f"the app answered {status}")

    return lambda environ: b"".join(app.wsgi_app(environ, start_response))


def wsgi(rounds, sample_ms, log):
    """{backend: {endpoint: µs per request}} for the C extension and pure Python."""
    requests = http_load.write_requests()
    apps = {"C": create_app(), "pure-Python": create_app({"PURE_PYTHON": True})}
    cases = [timing.Case(f"{backend}:{name}", "call(make())",
                         {"call": caller(app), "make": environ_factory(requests[name][0])})
             for backend, app in apps.items() for name in http_load.ENDPOINTS]
    timing.run_rounds(cases, rounds, sample_ms * 1e6)
    result = {backend: {} for backend in apps}
    for case in cases:
        backend, name = case.name.split(":")
        result[backend][name] = case.median / 1e3
    for name, (label, _, _) in http_load.ENDPOINTS.items():
        log(f"  WSGI {label:<30} C {result['C'][name]:9.1f} µs   pure Python {result['pure-Python'][name]:9.1f} µs")
    return result


def run(rounds, sample_ms, log):
    return {"parse": parse(rounds, sample_ms, log), "wsgi": wsgi(rounds, sample_ms, log)}
