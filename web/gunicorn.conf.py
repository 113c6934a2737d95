"""gunicorn settings for the vecdot service: `gunicorn --config web/gunicorn.conf.py`.

Works from any directory. Every setting has a safe default and most can be changed by
an environment variable (GUNICORN_* for the server, VECDOT_* for the app); docs/web.md
has the table and the measurements behind the worker choice.
"""

import importlib.util
import ipaddress
import json
import math
import os
import shutil
import tempfile

from gunicorn import glogging, util
from gunicorn.http import message, wsgi
from gunicorn.workers import gthread

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_settings():
    """web/vecdot_web/settings.py alone, without importing the vecdot_web package.

    The package imports prometheus_client, which fixes its mode when first imported:
    imported here, in the master, before on_starting sets PROMETHEUS_MULTIPROC_DIR,
    every forked worker would count in its own memory only, and a scrape would show
    one worker's share (tests/web/test_web_metrics.py).
    """
    path = os.path.join(HERE, "vecdot_web", "settings.py")
    spec = importlib.util.spec_from_file_location("_vecdot_web_settings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEFAULTS = _load_settings().DEFAULTS

# An empty VECDOT_* variable counts as unset, as an empty GUNICORN_* one does (_int_env):
# a Swarm stack file passes a variable its user did not set on as empty, and the app
# (Flask's from_prefixed_env) would take "" for a value. The workers inherit this.
for _name in [k for k, v in os.environ.items() if k.startswith("VECDOT_") and v == ""]:
    del os.environ[_name]


def _int_env(name, default):
    value = os.environ.get(name)
    return default if value is None or value == "" else int(value)


def _cpu_limit():
    """Cores this container may use: its cgroup CPU quota, rounded up, else its CPU affinity.

    A container limited to 2 CPUs on a 64-core host sees 64 cores in its affinity mask
    but gets 2 cores' worth of time; 64 workers would share that and multiply the memory.
    """
    cores = len(os.sched_getaffinity(0))

    def read(path):
        with open(path) as f:
            return f.read().split()

    try:
        quota, period = read("/sys/fs/cgroup/cpu.max")  # cgroup v2: "<quota> <period>" or "max <period>"
    except OSError:
        try:  # cgroup v1: the quota is -1 when there is none
            (quota,) = read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
            (period,) = read("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
        except OSError:
            return cores
    if quota in ("max", "-1"):
        return cores
    return max(1, min(cores, math.ceil(int(quota) / int(period))))


def _attached_networks():
    """The IPv4 networks this host is directly attached to, from the kernel's routing table."""
    def address(field):  # the table's hex fields are in the host's (little-endian) byte order
        return ipaddress.IPv4Address(int(field, 16).to_bytes(4, "little"))

    networks = []
    with open("/proc/net/route") as f:
        for line in f.readlines()[1:]:
            _iface, dest, gateway, _flags, _refs, _use, _metric, mask = line.split()[:8]
            if int(gateway, 16) == 0 and int(mask, 16) != 0:  # on-link, not the default route
                networks.append(str(ipaddress.IPv4Network(f"{address(dest)}/{address(mask)}")))
    return networks


# --- What to run, where -------------------------------------------------------------
wsgi_app = "vecdot_web:create_app()"
pythonpath = HERE  # so the app imports whatever directory gunicorn starts in
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",")  # all interfaces: the container's port is published
# Whose X-Forwarded-Proto (and other forwarding headers) gunicorn believes: only the
# front proxy's (default: loopback, as gunicorn's own). The word "attached-networks"
# stands for the networks this container is directly attached to, which is how Compose
# and Swarm run it: on a network that only the proxy shares with the replicas
# (docker-compose.yml, `backend`), whose addresses change with every deploy.
forwarded_allow_ips = ",".join(
    ",".join(_attached_networks()) if item.strip() == "attached-networks" else item.strip()
    for item in os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1").split(","))

# --- Workers (chosen by measurement on 2 cores, see docs/web.md) ---------------------
# gthread: CPU per request as low as sync's, keeps connections alive, and a client that
# stalls mid-request holds one thread, where it would hold a whole sync worker.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = _int_env("GUNICORN_WORKERS", _cpu_limit())  # one per usable core: the work is CPU-bound
# A stalled client holds one thread: 8 per worker; no cost measured against 4. (gunicorn
# silently turns sync into gthread when threads > 1, so sync gets 1 unless told otherwise.)
threads = _int_env("GUNICORN_THREADS", 8 if worker_class == "gthread" else 1)
# gunicorn's workers already use every core, so the extension must not start threads of
# its own per request (cores x threads would oversubscribe the CPU). An explicit setting
# in the environment wins.
os.environ.setdefault("VECDOT_NUM_THREADS", "1")

# --- Lifetimes ----------------------------------------------------------------------
timeout = _int_env("GUNICORN_TIMEOUT", 30)  # a request takes milliseconds; 30 s only catches a hung worker
graceful_timeout = _int_env("GUNICORN_GRACEFUL_TIMEOUT", 10)  # on SIGTERM, in-flight requests get 10 s to finish
# (a container's stop grace period must be longer, or it is killed before they do)
keepalive = _int_env("GUNICORN_KEEPALIVE", 5)  # clients that reuse connections skip the TCP handshake
# Recycle each worker after ~1e6 requests, so a slow leak anywhere cannot grow forever;
# jitter keeps the workers from restarting together. Not sooner: every worker lifetime
# leaves its metrics files behind (their counts belong in the totals), ~24 KiB of tmpfs
# and ~0.3 ms more per scrape each (bench/metrics_files.py). At ~2,000 req/s per worker,
# flat out all day, 1e6 requests means ~90 lifetimes a day per worker: a few MB and tens
# of ms per scrape, reset by each deploy. 1e5 would make that ten times as much.
max_requests = _int_env("GUNICORN_MAX_REQUESTS", 1_000_000)
max_requests_jitter = _int_env("GUNICORN_MAX_REQUESTS_JITTER", 100_000)
# The heartbeat file is touched constantly; on a disk-backed /tmp that can stall a worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# --- Logs: to the container's stdout/stderr, where `docker logs` finds them ------------
accesslog = "-"
errorlog = "-"
# The path without the query (%(U)s): a GET /dot query can be 64 KiB of numbers, which
# would cost more to log than to compute and is the client's data, not ours to keep.
# %(L)s is the request time in seconds; %(p)s the worker's pid (<pid>), which gives the
# per-worker request counts (docs/web.md, Workers).
# Behind the front proxy %(h)s is the proxy; the client is the X-Forwarded-For it adds.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s %(p)s "%(a)s" "%({x-forwarded-for}i)s"'
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


class AccessFieldsLogger(glogging.Logger):
    """gunicorn's logger, computing for each access-log line only the fields the format names.

    gunicorn's own atoms() builds every field any format could use, one per request
    header, response header and WSGI environ entry (about 40 for a GET /), and escapes
    each. The line is the same; tests/web/test_web_gunicorn.py renders it both ways.
    """

    def atoms(self, resp, req, environ, request_time):
        status = resp.status
        forwarded_for = "-"
        for name, value in req.headers:  # as gunicorn's: the last of repeated headers
            if name == "X-FORWARDED-FOR":
                forwarded_for = value
        return {
            "h": environ.get("REMOTE_ADDR", "-"),
            "t": self.now(),
            "m": environ.get("REQUEST_METHOD"),
            "U": environ.get("PATH_INFO"),
            "H": environ.get("SERVER_PROTOCOL"),
            "s": status.split(None, 1)[0] if isinstance(status, str) else status,
            "B": getattr(resp, "sent", None),
            "L": f"{request_time.seconds}.{request_time.microseconds:06d}",
            "p": f"<{os.getpid()}>",
            "a": environ.get("HTTP_USER_AGENT", "-"),
            "{x-forwarded-for}i": forwarded_for,
        }


logger_class = AccessFieldsLogger

# --- HTTP parsing ---------------------------------------------------------------------
# gunicorn's C parser (gunicorn_h1c, pinned in requirements.txt). "fast" rather than
# "auto": without the package gunicorn refuses to start instead of silently falling back
# to the pure-Python parser, which costs more CPU per request (docs/web.md).
http_parser = "fast"

# --- Request limits, set from the app's own so the app, not gunicorn, answers -------
# The query string can be VECDOT_MAX_QUERY_BYTES long; 1 KiB more covers the method,
# path and version, so a query just over the app's limit gets the app's JSON 413.
_max_query = _int_env("VECDOT_MAX_QUERY_BYTES", DEFAULTS["MAX_QUERY_BYTES"])
limit_request_line = _max_query + 1024
limit_request_fields = 32  # the API reads a handful of headers; 32 leaves room for proxies
limit_request_field_size = 4096  # no header it reads is long; cookies are not used
# No `gunicornc` here: the control socket would be written under $HOME (read-only in the
# container) and two servers on one host would share its path.
control_socket_disable = True


# --- Keep-alive connections spread over the workers -----------------------------------
# Every worker accepts from one shared socket, and a keep-alive connection stays with the
# worker that accepted it. Connections opened while only one worker is up (the others
# still booting, or one being replaced after max_requests or a crash) all land on it and
# stay there as long as the client keeps them busy: wrk -c16 against 2 workers served
# everything from one of them in 2 starts out of 3, at half the throughput. So the 100th
# request on a connection is answered with "Connection: close": the client reconnects,
# and the next accept goes to whichever worker is free, an idle one waking first. The
# cost is one TCP handshake per 100 requests (tests/web/test_web_workers.py).
KEEPALIVE_REQUESTS = 100


def pre_request(worker, req):
    if req.req_number >= KEEPALIVE_REQUESTS:
        req.must_close = True
    worker.log.debug("%s %s", req.method, req.path)  # gunicorn's default pre_request


# --- Metrics: prometheus_client's multiprocess mode (web/vecdot_web/metrics.py) --------
# Every worker writes its samples to files in PROMETHEUS_MULTIPROC_DIR and each scrape of
# /metrics reads them all, as prometheus_client documents for gunicorn. The directory must
# be on a tmpfs (the files are written on every request) and start empty, or a previous
# run's counts would be added to this one's. These hooks run in the master, before any
# worker is forked (the app is not preloaded, so no worker has imported prometheus_client
# before the variable is set).
_own_metrics_dir = None


def on_starting(server):
    global _own_metrics_dir
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        # Given by the deployment (a tmpfs the container mounts): empty it.
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):
            os.remove(os.path.join(path, name))
    else:
        # `make serve`, the tests: a fresh directory per server, removed on exit, so two
        # servers on one host never share their counts.
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
        _own_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
            prefix="vecdot-metrics-", dir=shm)


def child_exit(server, worker):
    # A dead worker's live gauges (requests in flight) must stop counting; its counters
    # and histograms stay, so totals survive a worker recycled by max_requests.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)


# --- Four adjustments gunicorn has no setting for -------------------------------------
# 1. gunicorn's HTTP parser silently caps limit_request_line at 8190 bytes unless it is
#    0 (unlimited, which lets one client make a worker buffer an endless line). GET /dot
#    with a thousand values needs more, so raise the cap to the finite limit above.
#    tests/web/test_web_gunicorn.py sends a query over 8190 bytes to prove it still works.
message.MAX_REQUEST_LINE = max(message.MAX_REQUEST_LINE, limit_request_line)


# 2. Requests gunicorn rejects itself (a request line or header over the limits above,
#    malformed HTTP) get the service's JSON error shape instead of gunicorn's HTML page.
def _write_json_error(sock, status_int, reason, mesg):
    text = f"{reason}: {mesg}" if mesg else reason
    body = json.dumps({"error": {"status": status_int, "message": text}}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = _write_json_error


# 3. gthread hands each new connection to a thread at once and lets it wait up to 5 s for
#    its first byte, so connections that send nothing (the cheapest attack there is) hold
#    every thread. A well-behaved client sends its request right after connecting, and one
#    that does not is only handed back to the poller, to be served when its bytes arrive:
#    0.1 s costs nobody anything and frees the thread 50 times sooner. (The same constant
#    bounds draining an unread body before keep-alive; past it the connection closes.)
gthread.DEFAULT_WORKER_DATA_TIMEOUT = 0.1


# 4. gunicorn writes a response's head and its first body bytes in two calls. A worker
#    killed between them (a crash, the OOM killer) leaves the front proxy holding a head
#    with no body: the response has begun, so the proxy cannot replay the request
#    elsewhere and the client gets a truncated answer. Collected and sent in one call,
#    a response is either wholly on its way or not begun, which the proxy can retry.
class _Collect:
    """Stands in for the socket during a response's first write, keeping what is sent."""

    def __init__(self):
        self.parts = []

    def sendall(self, data):
        self.parts.append(data)


_write = wsgi.Response.write


def _write_head_with_body(self, arg):
    if self.headers_sent:
        return _write(self, arg)
    sock, collect = self.sock, _Collect()
    self.sock = collect
    try:
        _write(self, arg)
    finally:
        self.sock = sock
    sock.sendall(b"".join(collect.parts))


wsgi.Response.write = _write_head_with_body
