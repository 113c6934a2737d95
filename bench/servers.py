"""The servers the HTTP benchmark loads, each started on a free loopback port and always stopped.

- gunicorn(...): web/gunicorn.conf.py from the project's .venv, as `make serve` runs it
  (the host's Python and vecdot build).
- container(...): the image as docker-compose.yml runs it (the same limits and
  hardening, repeated here because Compose cannot pass the benchmark-only setting),
  with Debian's Python 3.13.
- proxied(...): docker-compose.yml itself, started as `make up` starts it
  (scripts/compose-up.sh): the proxy in front of one replica of the same image, with the
  proxy's per-client limits lifted (PROXY_LIMITS_LIFTED says which and why).

gunicorn and container take pure_python=True for VECDOT_PURE_PYTHON, the benchmark-only
switch that swaps the C extension for vecdot._native (web/vecdot_web/settings.py). Each
yields a Server with its base URL, how long it took to answer /healthz, its per-worker
RSS and the CPU time of its processes (gunicorn's; through the proxy, HAProxy's too).
"""

import os
import shlex
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
START_TIMEOUT = 60  # seconds; far beyond a normal start (docs/benchmarks.md, The image)
COMPOSE_TIMEOUT = 180  # seconds for one Compose command: starting two containers, or stopping them

# The proxy's settings that would throttle the benchmark, lifted for it (their defaults are
# in deploy/proxy/haproxy.cfg). The per-address budgets exist against one client taking
# the service, and wrk on loopback is exactly one client. Every wrk connection waits for
# the large-body slot (one per replica: kept, it is how the service runs), and the default
# cap on that queue (16) would answer 429 to the rest.
PROXY_LIMITS_LIFTED = {
    "VECDOT_CLIENT_REQUESTS_PER_10S": "1000000000",
    "VECDOT_CLIENT_CONNECTIONS": "100000",
    "VECDOT_LARGE_BODIES_QUEUED": "100000",
}


@dataclass
class Server:
    name: str
    url: str
    seconds_to_http_ok: float = None  # first 200 from /healthz after the start command
    seconds_to_healthy: float = None  # the engine's health status (container only)
    _rss: object = field(default=None, repr=False)
    _pids: object = field(default=None, repr=False)

    def worker_rss_mb(self):
        """{pid: RSS in MB} of each gunicorn worker (the master is left out)."""
        return self._rss()

    def cpu_seconds(self):
        """{program: user + system CPU seconds used so far}: "gunicorn" (the master and its
        workers), and "haproxy" (its master and worker) for a server behind the proxy."""
        return {program: _cpu_seconds(pids) for program, pids in self._pids().items()}


def _cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue  # a worker that exited (max_requests) since the list was made
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15), every thread's
    return total / os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _wait(condition, what, alive=lambda: True):
    start = time.monotonic()
    while time.monotonic() - start < START_TIMEOUT:
        if condition():
            return time.monotonic() - start
        if not alive():
            raise RuntimeError(f"{what}: the server exited")
        time.sleep(0.02)
    raise TimeoutError(f"{what}: not ready after {START_TIMEOUT} s")


def _proc_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    # the command may hold spaces: the fields after its closing ')' are fixed
                    ppid = int(f.read().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                kids.append(int(entry))
    return kids


@contextmanager
def gunicorn(pure_python=False):
    port = free_port()
    env = dict(os.environ, GUNICORN_BIND=f"127.0.0.1:{port}")
    if pure_python:
        env["VECDOT_PURE_PYTHON"] = "true"
    name = f"gunicorn{' pure-Python' if pure_python else ''}"
    log = open(OUT / f"gunicorn{'-pure' if pure_python else ''}.log", "wb")
    start = time.monotonic()
    proc = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "gunicorn"), "--config", "web/gunicorn.conf.py"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: http_ok(url + "/healthz"), name, alive=lambda: proc.poll() is None)
        server = Server(name, url, seconds_to_http_ok=time.monotonic() - start)
        server._rss = lambda: {pid: _proc_rss_mb(pid) for pid in _children(proc.pid)}
        server._pids = lambda: {"gunicorn": [proc.pid, *_children(proc.pid)]}
        yield server
    finally:
        proc.terminate()  # SIGTERM: gunicorn's graceful shutdown
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _docker(*args, timeout=60):
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout,
                          check=True).stdout.strip()


def _container_procs(name, program="gunicorn"):
    """{host pid: (ppid, RSS kB)} of the container's processes of one program."""
    rows = [line.split(None, 3) for line in _docker("top", name, "-eo", "pid,ppid,rss,args").splitlines()[1:]]
    # docker-init's own command line names the program too: it is PID 1, not the program.
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows
            if len(r) == 4 and program in r[3] and "docker-init" not in r[3]}


def _container_rss(name):
    procs = _container_procs(name)
    # The workers are the children of the master, which is itself a gunicorn process.
    return {pid: rss / 1024 for pid, (ppid, rss) in procs.items() if ppid in procs}


@contextmanager
def container(image, pure_python=False):
    port = free_port()
    name = f"vecdot-bench-{os.getpid()}-{port}"
    # docker-compose.yml's settings, flag for flag.
    cmd = ["run", "--detach", "--rm", "--init", "--name", name,
           "--publish", f"127.0.0.1:{port}:8000",
           "--read-only", "--tmpfs", "/tmp:size=16m,mode=1777",
           "--cpus", "2.0", "--memory", "1g", "--pids-limit", "256",
           "--security-opt", "no-new-privileges:true", "--cap-drop", "ALL"]
    if pure_python:
        cmd += ["--env", "VECDOT_PURE_PYTHON=true"]
    url = f"http://127.0.0.1:{port}"
    start = time.monotonic()
    _docker(*cmd, image)
    try:
        label = f"container{' pure-Python' if pure_python else ''}"
        _wait(lambda: http_ok(url + "/healthz"), label)
        to_http = time.monotonic() - start

        def healthy():
            return _docker("inspect", "-f", "{{.State.Health.Status}}", name) == "healthy"

        _wait(healthy, label)
        server = Server(label, url, seconds_to_http_ok=to_http,
                        seconds_to_healthy=time.monotonic() - start)
        server._rss = lambda: _container_rss(name)
        server._pids = lambda: {"gunicorn": list(_container_procs(name))}  # host PIDs: /proc has them
        yield server
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, timeout=60)


def compose_command():
    """The Makefile's choice ($COMPOSE), else whichever Compose this machine has, as
    scripts/compose-up.sh chooses."""
    if os.environ.get("COMPOSE"):
        return shlex.split(os.environ["COMPOSE"])
    v2 = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=60)
    return ["docker", "compose"] if v2.returncode == 0 else ["docker-compose"]


@contextmanager
def proxied(image, proxy_image):
    """docker-compose.yml with one replica of image behind proxy_image, in a Compose project
    of its own; `compose down` removes its containers and networks, also on an error or ^C."""
    port = free_port()
    compose = compose_command()
    env = dict(os.environ, COMPOSE=shlex.join(compose), COMPOSE_PROJECT_NAME=f"vecdot-bench-{os.getpid()}-{port}",
               VECDOT_PORT=str(port), REPLICAS="1", VECDOT_IMAGE=image, VECDOT_PROXY_IMAGE=proxy_image,
               **PROXY_LIMITS_LIFTED)

    def compose_run(*args, check=True):
        return subprocess.run([*compose, *args], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=COMPOSE_TIMEOUT, check=check).stdout

    label, url = "through the proxy", f"http://127.0.0.1:{port}"
    log_path = OUT / "compose-up.log"
    start = time.monotonic()
    try:
        with open(log_path, "wb") as log:
            up = subprocess.run([str(REPO / "scripts" / "compose-up.sh")], cwd=REPO, env=env, stdout=log,
                                stderr=subprocess.STDOUT, timeout=COMPOSE_TIMEOUT)
        if up.returncode != 0:
            tail = log_path.read_text(errors="replace").splitlines()[-30:]
            raise RuntimeError(f"scripts/compose-up.sh exited {up.returncode}:\n" + "\n".join(tail))
        healthy = time.monotonic() - start
        # Every container is healthy; the proxy's own check of the replica may come a second later.
        _wait(lambda: http_ok(url + "/healthz"), label)
        proxy, replica = (compose_run("ps", "-q", service).split()[0] for service in ("proxy", "vecdot"))
        server = Server(label, url, seconds_to_http_ok=time.monotonic() - start, seconds_to_healthy=healthy)
        server._rss = lambda: _container_rss(replica)
        server._pids = lambda: {"gunicorn": list(_container_procs(replica)),
                                "haproxy": list(_container_procs(proxy, "haproxy"))}
        yield server
    finally:
        compose_run("down", "--remove-orphans", "--timeout", "20", check=False)
