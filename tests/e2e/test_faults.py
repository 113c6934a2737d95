"""Faults injected into the running service container, under load through the front
proxy: nothing is lost.

- A worker killed (SIGKILL, or SIGSEGV as a crash in the extension would): the proxy
  replays the requests it had in flight on a live worker, so no client sees a failure;
  the master replaces the worker and /healthz stays green.
- SIGTERM to the service container under load: requests in flight complete, exit code
  0, within the grace period; later ones get the proxy's JSON 503 (no replica is left).
- The worker timeout: the largest requests the limits allow finish far inside it, and
  where a request does run past it (a sync worker on the pure-Python backend), the
  worker is replaced and the client gets an error, never a hang.
- The gunicorn master killed: the container exits and its restart policy brings it
  back, healthy, on its own.
- The root filesystem is read-only, and the service runs on it.

Each test starts its own Compose project (conftest.start_service): they end it.
Process IDs come from `docker top`, and signals are sent from the host.
"""

import json
import os
import signal
import time
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import free_port, inspect, run
from conftest import start_service as start_compose
from loadgen import Kind, Load, binary, status_of, wait_until

pytestmark = pytest.mark.timeout(1800)  # the first test also waits for the image build

CONCURRENCY = 16
# All load comes from this host, one address to the proxy: its per-address request rate
# is lifted, since these tests are about faults (tests/e2e/test_proxy.py tests limits).
UNLIMITED = {"VECDOT_CLIENT_REQUESTS_PER_10S": "100000000"}


def start_service(image, request):
    return start_compose(image, request, **UNLIMITED)

MIX = [
    Kind("dot query", "GET", "/dot?a=1,2,3&b=4,5,6", 200, expect=b'{"result":32.0,"n":3}'),
    # 96 KB: a large body to the proxy (over VECDOT_LARGE_BODY_BYTES), still small enough
    # for one proxy buffer, so the proxy can replay it; a larger one could not be
    # (docs/deploy.md, "What a retry cannot cover").
    Kind("dot binary", "POST", "/dot?accurate=true", 200,
         body=binary([1.0] * 6_000, [0.5] * 6_000), content_type="application/octet-stream",
         expect=b'{"result":3000.0,"n":6000}'),
    Kind("hello", "GET", "/?name=fault", 200, expect=b'{"message":"Hello, fault, from C!",'
         b'"docs":"/docs","openapi":"/openapi.json"}'),
]


@dataclass
class Proc:
    pid: int   # in the host's PID namespace: signals are sent from the host
    ppid: int
    rss_kib: int


def gunicorn(container):
    """The master and its workers, from `docker top`."""
    lines = run(["docker", "top", container, "-eo", "pid,ppid,rss,args"], timeout=30).stdout
    procs = []
    for line in lines.splitlines()[1:]:
        pid, ppid, rss, args = line.split(None, 3)
        # Not docker-init (PID 1 with `init: true`), whose arguments name gunicorn too.
        if "bin/gunicorn" in args and "docker-init" not in args:
            procs.append(Proc(int(pid), int(ppid), int(rss)))
    pids = {p.pid for p in procs}
    master = next(p for p in procs if p.ppid not in pids)
    return master, [p for p in procs if p.ppid == master.pid]


def port_of(service):
    return int(service.url.rsplit(":", 1)[1])


def logs(container):
    result = run(["docker", "logs", container], timeout=30, check=False)
    return result.stdout + result.stderr


# ---- a worker dies ---------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSEGV], ids=["kill -9", "segfault"])
def test_a_dead_worker_costs_no_request(image, request, sig):
    service = start_service(image, request)
    port = port_of(service)
    master, workers = gunicorn(service.container)
    victim = workers[0]
    # One connection per request: a failure is then always a request the worker held.
    with Load(port, CONCURRENCY, MIX, keep_alive=False) as load:
        time.sleep(2)
        killed_at = time.monotonic()
        os.kill(victim.pid, sig)
        green = wait_until(lambda: status_of(port, "/healthz") == 200, timeout=10)

        def full_again():
            alive = {w.pid for w in gunicorn(service.container)[1]}
            return victim.pid not in alive and len(alive) == len(workers)

        replaced = wait_until(full_again, timeout=30, interval=0.1)
        time.sleep(2)
    failed = load.failures()
    in_flight = [o for o in load.outcomes if o.start <= killed_at <= o.end]
    print(f"e2e faults: {sig.name} to worker {victim.pid}: {len(load.outcomes)} requests, "
          f"{len(in_flight)} in flight at the kill, {len(failed)} failed; /healthz green after "
          f"{green} s; worker replaced after {replaced} s")
    assert green is not None and green < 2.0
    assert replaced is not None
    assert gunicorn(service.container)[0].pid == master.pid      # the master lived on
    # The proxy replayed what the worker held; the client saw nothing.
    assert not failed, failed[:3]


# ---- SIGTERM ----------------------------------------------------------------------------

def worst_case_binary(n):
    """n values a and b whose exact dot product cancels to 0 through wildly different
    magnitudes: the exact kernel's slowest path."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal(n // 2) * 2.0 ** rng.integers(-400, 400, n // 2)
    return binary([*x, *(-x)], [*x, *x])


SLOW_MIX = [  # ~0.05 s each on the exact path, so several are in flight at any moment
    Kind("slow accurate dot", "POST", "/dot?accurate=true", 200, body=worst_case_binary(400_000),
         content_type="application/octet-stream", expect=b'{"result":0.0,"n":400000}'),
    *MIX,
]


def test_sigterm_under_load_lets_requests_in_flight_finish(image, request):
    # The slow requests' 6.4 MB bodies are large to the proxy, which lets one at a time
    # through to a replica and queues the rest; this test is about gunicorn finishing what
    # it holds, so all 16 go through at once.
    service = start_compose(image, request, VECDOT_LARGE_BODIES_PER_REPLICA="16", **UNLIMITED)
    port = port_of(service)
    grace = int(inspect(service.container, "{{.Config.StopTimeout}}"))
    with Load(port, CONCURRENCY, SLOW_MIX, weights=[3, 1, 1, 1], keep_alive=False) as load:
        time.sleep(3)
        term_at = time.monotonic()
        run(["docker", "stop", service.container], timeout=grace + 30)
        stopped = time.monotonic() - term_at
        time.sleep(0.5)
    exit_code = int(inspect(service.container, "{{.State.ExitCode}}"))
    in_flight = [o for o in load.outcomes if o.start < term_at < o.end]
    # Sent well before SIGTERM: surely accepted by a worker, so they must succeed.
    settled = [o for o in load.outcomes if o.start < term_at - 0.5]
    print(f"e2e faults: SIGTERM under load: stopped in {stopped:.2f} s (grace {grace} s), "
          f"exit {exit_code}; {len(in_flight)} in flight, "
          f"{sum(o.ok for o in in_flight)} completed; {len(load.outcomes)} requests")
    assert exit_code == 0 and stopped < grace
    assert in_flight and all(o.ok for o in in_flight if o.start < term_at - 0.5)
    assert all(o.ok for o in settled)
    # Sent after SIGTERM, with no replica left: refused, never answered wrongly. The proxy
    # answers 503, or 502 (or closes) for a body too large to replay that the stopping
    # gunicorn closed its connection on.
    refused = [o for o in load.outcomes if not o.ok]
    assert all(o.status in (502, 503, None) for o in refused), refused[:3]
    assert "Traceback" not in logs(service.container)


# ---- the worker timeout ------------------------------------------------------------------


def test_the_largest_requests_the_limits_allow_finish_far_inside_the_timeout(image, request):
    service = start_service(image, request)
    timeout = 30  # web/gunicorn.conf.py's default GUNICORN_TIMEOUT, which the image keeps
    n = 1_000_000  # MAX_VECTOR_LEN
    requests = {
        "binary, 1e6 values each, accurate, exact path": (
            "/dot?accurate=true", worst_case_binary(n), "application/octet-stream", 200),
        "JSON body of 16 MiB, 8 million numbers": (  # parsed whole, then over MAX_VECTOR_LEN
            "/dot", b'{"b": [1], "a": [' + b"1," * (8 * 1024 * 1024 - 16) + b"1]}",
            "application/json", 413),
        "JSON, 1e6 numbers each, accurate": (
            "/dot", json.dumps({"a": [1e-300, -1e-300] * (n // 2), "b": [3.5] * n,
                                "accurate": True}).encode(), "application/json", 200),
    }
    for name, (path, body, content_type, status) in requests.items():
        start = time.monotonic()
        response = service.post(path, body, content_type)
        seconds = time.monotonic() - start
        print(f"e2e faults: {name}: {len(body) / 1e6:.1f} MB, {response.status} in {seconds:.2f} s "
              f"(worker timeout {timeout} s)")
        assert response.status == status, response.body[:200]
        assert seconds < timeout / 10


def test_a_request_past_the_worker_timeout_is_an_error_not_a_hang(image, request):
    # Under gthread (the default) a worker's heartbeat runs in its own thread, so a slow
    # request never trips the timeout: the limits bound requests instead (above). A sync
    # worker has no such thread, and the pure-Python backend makes any large dot slow:
    # the master must kill the worker at the timeout and the client see an error.
    port = free_port()
    name = f"vecdot-e2e-timeout-{os.getpid()}"
    request.addfinalizer(lambda: run(["docker", "rm", "-f", name], timeout=60, check=False))
    run(["docker", "run", "-d", "--name", name, "--read-only", "--tmpfs", "/tmp",
         "-p", f"127.0.0.1:{port}:8000", "-e", "GUNICORN_WORKER_CLASS=sync",
         "-e", "GUNICORN_TIMEOUT=2", "-e", "GUNICORN_WORKERS=2", "-e", "VECDOT_PURE_PYTHON=true",
         image], timeout=60)
    assert wait_until(lambda: status_of(port, "/healthz") == 200, timeout=30) is not None
    body = worst_case_binary(1_000_000)  # seconds of Fractions in pure Python
    start = time.monotonic()
    with Load(port, 1, [Kind("slow", "POST", "/dot?accurate=true", 200, body=body,
                             content_type="application/octet-stream")],
              keep_alive=False, timeout=60) as load:
        wait_until(lambda: load.outcomes, timeout=60, interval=0.1)
    first = load.outcomes[0]
    seconds = first.end - start
    text = logs(name)
    print(f"e2e faults: request past a 2 s timeout: {first.error or first.status} after "
          f"{seconds:.2f} s; worker timeout logged: {'WORKER TIMEOUT' in text}")
    assert not first.ok and seconds < 10                    # an error, promptly
    assert "WORKER TIMEOUT" in text
    assert wait_until(lambda: status_of(port, "/healthz") == 200, timeout=10) is not None


# ---- sizing -----------------------------------------------------------------------------------


def test_workers_follow_the_containers_cpu_limit(image, request):
    # One CPU's worth of quota on a machine with more cores: one worker, not one per core.
    name = f"vecdot-e2e-cpus-{os.getpid()}"
    request.addfinalizer(lambda: run(["docker", "rm", "-f", name], timeout=60, check=False))
    run(["docker", "run", "-d", "--name", name, "--cpus", "1", "--read-only", "--tmpfs", "/tmp", image],
        timeout=60)
    assert wait_until(lambda: len(gunicorn(name)[1]) >= 1, timeout=30, interval=0.25) is not None
    time.sleep(1)  # every worker the master was going to start has started
    cores = int(run(["nproc"], timeout=10).stdout)
    print(f"e2e faults: --cpus 1 on {cores} cores: {len(gunicorn(name)[1])} gunicorn worker(s)")
    assert len(gunicorn(name)[1]) == 1


# ---- the whole server dies ----------------------------------------------------------------


def test_the_container_restarts_itself_after_the_master_dies(image, request):
    service = start_service(image, request)
    port = port_of(service)
    master, _ = gunicorn(service.container)
    before = int(inspect(service.container, "{{.RestartCount}}"))
    os.kill(master.pid, signal.SIGKILL)
    back = wait_until(lambda: int(inspect(service.container, "{{.RestartCount}}")) > before
                      and status_of(port, "/healthz") == 200, timeout=60, interval=0.25)
    print(f"e2e faults: master killed; restarted by the engine and healthy after {back} s")
    assert back is not None
    assert gunicorn(service.container)[0].pid != master.pid


# ---- the filesystem -------------------------------------------------------------------------


def test_the_root_filesystem_is_read_only(image, request):
    service = start_service(image, request)
    assert inspect(service.container, "{{.HostConfig.ReadonlyRootfs}}") == "true"
    # Even root cannot write outside the tmpfs: the filesystem refuses (EROFS, errno 30).
    probe = ("import errno, sys\n"
             "for path in sys.argv[1:]:\n"
             "    try: open(path, 'w').close(); print(path, 'written')\n"
             "    except OSError as e: print(path, errno.errorcode[e.errno])\n")
    out = run(["docker", "exec", "-u", "0", service.container, "python", "-c", probe,
               "/app/web/x", "/opt/venv/x", "/etc/x", "/tmp/x"], timeout=60).stdout.split("\n")
    assert out[:4] == ["/app/web/x EROFS", "/opt/venv/x EROFS", "/etc/x EROFS", "/tmp/x written"]
    assert service.get("/healthz").status == 200
