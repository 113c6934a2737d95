"""The HTTP benchmark: wrk on loopback against a running server, endpoint by endpoint.

Each endpoint's request is written once to bench/out/http/ and sent unchanged by
bench/wrk/request.lua; its answer is checked against vecdot before any load, so a fast
error page cannot pass for a fast dot product. Every wrk run is bounded (-d) and, like
the in-process benchmark, the endpoints are interleaved: each round runs every endpoint
once, in a shuffled order, so a burst of noise does not land on one endpoint only.
Servers compared with each other (the proxy and the same image without it) are loaded
in the same rounds, endpoint by endpoint.

wrk runs one thread (-t1) with 32 connections: on 2 cores it shares the CPU with the
server, the same for every endpoint, so the ratios between endpoints hold.
"""

import json
import random
import shutil
import statistics
import subprocess
import urllib.request
from array import array
from pathlib import Path

import vecdot

BENCH = Path(__file__).resolve().parent
HTTP_DIR = BENCH / "out" / "http"
LUA = BENCH / "wrk" / "request.lua"
CONNECTIONS = 32

# name: (label, method, n); the n values are issue 5's.
ENDPOINTS = {
    "get_root": ("GET /", "GET", 0),
    "get_dot_3": ("GET /dot, 3 values", "GET", 3),
    "get_dot_1000": ("GET /dot, 1000 values", "GET", 1000),
    "post_json_1000": ("POST /dot JSON, 1000 values", "json", 1000),
    "post_json_100000": ("POST /dot JSON, 1e5 values", "json", 100_000),
    "post_bin_1000": ("POST /dot binary, 1000 values", "binary", 1000),
    "post_bin_100000": ("POST /dot binary, 1e5 values", "binary", 100_000),
}


def write_requests():
    """Write each endpoint's request file; return {name: (wrk script args, expected result)}."""
    HTTP_DIR.mkdir(parents=True, exist_ok=True)
    requests = {}
    for name, (_, kind, n) in ENDPOINTS.items():
        rng = random.Random(n)
        # Full-precision random floats: the 17-digit values a real client sends.
        a = [rng.uniform(-1, 1) for _ in range(n)]
        b = [rng.uniform(-1, 1) for _ in range(n)]
        expected = vecdot.dot(a, b, accurate=True) if n else None
        path = HTTP_DIR / name
        if kind == "GET" and n == 0:
            path.write_text("/")
            args = ["GET", str(path)]
        elif kind == "GET":
            path.write_text(f"/dot?a={','.join(map(repr, a))}&b={','.join(map(repr, b))}")
            args = ["GET", str(path)]
        elif kind == "json":
            path.write_text(json.dumps({"a": a, "b": b}))
            args = ["POST", str(path), "application/json", "/dot"]
        else:
            path.write_bytes(array("d", a).tobytes() + array("d", b).tobytes())  # little-endian host
            args = ["POST", str(path), "application/octet-stream", "/dot"]
        requests[name] = (args, expected)
    return requests


def check_answer(base_url, args, expected):
    """Send the request once with urllib and check the service's answer."""
    if args[0] == "GET":
        req = urllib.request.Request(base_url + Path(args[1]).read_text())
    else:
        req = urllib.request.Request(base_url + args[3], data=Path(args[1]).read_bytes(),
                                     headers={"Content-Type": args[2]}, method="POST")
    with urllib.request.urlopen(req, timeout=60) as response:
        body = json.loads(response.read())
    if expected is None:
        if "message" not in body:
            raise AssertionError(f"GET / answered {body}")
    elif abs(body["result"] - expected) > 1e-9 * max(1.0, abs(expected)):
        raise AssertionError(f"{args} answered {body['result']}, expected {expected}")


def wrk(base_url, args, seconds):
    """One bounded wrk run; the parsed JSON line of bench/wrk/request.lua."""
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
           "-s", str(LUA), base_url, "--", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    for line in out.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON "):])
    raise RuntimeError(f"wrk printed no result:\n{out}")


def load(servers, requests, rounds, seconds, log):
    """Every endpoint on every server, `rounds` times interleaved: {server name: {endpoint:
    req/s, latencies, server CPU per request}}.

    Within a round each endpoint runs on every server back to back, in a shuffled order, so
    servers loaded together (the container, and the proxy in front of the same image) meet
    the same machine and their ratios hold even when the machine's load drifts.
    """
    for server in servers:
        for name in ENDPOINTS:
            check_answer(server.url, *requests[name])
    runs = {server.name: {name: [] for name in ENDPOINTS} for server in servers}
    rng = random.Random(0)
    order = list(ENDPOINTS)
    for r in range(rounds):
        rng.shuffle(order)
        for name in order:
            for server in rng.sample(servers, len(servers)):
                cpu_before = server.cpu_seconds()
                last = wrk(server.url, requests[name][0], seconds)
                last["server_cpu_s"] = {k: v - cpu_before[k] for k, v in server.cpu_seconds().items()}
                runs[server.name][name].append(last)
                log(f"    {server.name:<22} {ENDPOINTS[name][0]:<30} round {r + 1}/{rounds}: "
                    f"{last['requests'] / last['duration_us'] * 1e6:9.1f} req/s")
    return {server: {name: summary(samples) for name, samples in by_name.items()}
            for server, by_name in runs.items()}


def summary(samples):
    """One endpoint's figures over its rounds, from wrk's JSON lines."""
    requests = max(1, sum(s["requests"] for s in samples))
    # The server's own CPU per request, program by program: far steadier than req/s on a shared machine.
    cpu_us = {k: sum(s["server_cpu_s"][k] for s in samples) / requests * 1e6 for k in samples[0]["server_cpu_s"]}
    return {
        "req_per_s": sum(s["requests"] for s in samples) / sum(s["duration_us"] for s in samples) * 1e6,
        "p50_ms": statistics.median(s["p50_us"] for s in samples) / 1e3,
        "p99_ms": statistics.median(s["p99_us"] for s in samples) / 1e3,
        "requests": sum(s["requests"] for s in samples),
        "cpu_us": sum(cpu_us.values()),
        "cpu_us_by_program": cpu_us,
        "errors": sum(sum(s["errors"].values()) for s in samples),
    }


def proxy_cost(direct, proxied):
    """{endpoint: (proxied/direct req/s, direct CPU µs/req, proxied CPU µs/req, HAProxy's part
    of it)}: what the proxy costs, from two servers loaded in the same rounds."""
    return {name: (proxied[name]["req_per_s"] / direct[name]["req_per_s"], direct[name]["cpu_us"],
                   proxied[name]["cpu_us"], proxied[name]["cpu_us_by_program"].get("haproxy", 0.0))
            for name in ENDPOINTS}


def have_wrk():
    return shutil.which("wrk") is not None
