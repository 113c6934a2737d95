"""The C extension's threads: the GIL released while the kernel runs, and the
helper threads it shares long vectors with (lib/c/pool.c), from many Python
threads at once and after a fork. Each path is entered exactly where the
extension's constants say, checked by what the path does (tests/lib/probes.py).
(C only: the pure-Python reference has neither.)"""

import subprocess
import sys
import threading

import numpy as np
import pytest
import vecdot
from probes import calls_without_the_gil, helper_threads_started
from vecdot._vecdot import GIL_RELEASE_MIN, MIN_PER_THREAD

pytestmark = pytest.mark.c_only

# ---- the GIL -----------------------------------------------------------------


def test_two_threads_computing_large_dots_overlap():
    # With the switch interval at 10 s nothing forces a thread to give up
    # the GIL: the main thread can only run while the worker is still inside
    # dot() if dot() released the GIL itself.
    n = 1 << 22
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)
    a = np.concatenate([x, -x])  # cancels to exactly 0: the slow exact path
    b = np.concatenate([x, x])
    started, worker_done = threading.Event(), threading.Event()
    seen_while_running = []

    def worker():
        started.set()
        vecdot.dot(a, b, accurate=True, threads=1)
        worker_done.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:
        thread = threading.Thread(target=worker)
        thread.start()
        started.wait()
        seen_while_running.append(not worker_done.is_set())
        # And this thread's own large dot runs alongside, too.
        result = vecdot.dot(b, b, threads=1)
        thread.join(timeout=120)
    finally:
        sys.setswitchinterval(old)
    assert seen_while_running == [True]
    assert result == vecdot.dot(b, b, threads=1)


@pytest.mark.parametrize("accurate", [False, True])
def test_the_gil_is_released_from_gil_release_min_elements(accurate):
    # Both modes decide by n alone. The fast kernel is done in microseconds,
    # often before the watching thread wakes, so it gets more calls to show it.
    calls = 200 if accurate else 2000
    for n, releases in [(GIL_RELEASE_MIN - 1, False), (GIL_RELEASE_MIN, True)]:
        a, b = np.resize([1e16, 1.0, -1e16, -1.0], n), np.ones(n)  # sums to 0: the exact path
        seen = calls_without_the_gil(vecdot.dot, a, b, calls=calls, accurate=accurate)
        assert (seen > 0) == releases, f"n={n}: {seen} of {calls} calls seen without the GIL"


@pytest.mark.parametrize(
    "n, threads, helpers",
    [
        (2 * MIN_PER_THREAD - 1, 2, 0),  # one thread's worth short of two
        (2 * MIN_PER_THREAD, 2, 1),
        (3 * MIN_PER_THREAD, 8, 2),  # as many threads as MIN_PER_THREAD allows
        (3 * MIN_PER_THREAD, 1, 0),
    ],
)
@pytest.mark.parametrize("accurate", [False, True])  # both modes follow one policy (dot.h)
def test_threads_start_from_min_per_thread_elements_each(n, threads, helpers, accurate):
    setup = f"import numpy as np, vecdot; a = np.ones({n})"
    call = f"vecdot.dot(a, a, accurate={accurate}, threads={threads})"
    assert helper_threads_started(setup, call) == helpers


def test_threaded_dots_from_many_python_threads_share_the_pool():
    # Each call posts its own job to the same helper threads; no call may see
    # another's chunks or wait on another's job.
    n = 5 * (1 << 16) + 3
    rng = np.random.default_rng(5)
    vectors = [(rng.standard_normal(n), rng.standard_normal(n)) for _ in range(6)]
    expected = [vecdot.dot(a, b, threads=1) for a, b in vectors]
    results = [[] for _ in vectors]

    def worker(k):
        a, b = vectors[k]
        for t in range(20):
            results[k].append(vecdot.dot(a, b, threads=2 + t % 3))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(vectors))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == [[e] * 20 for e in expected]  # the same bits whatever the threads


def test_a_forked_child_computes_threaded_dots():
    # The parent's helper threads do not exist in a child: the pool must start
    # over there, not wait for them. In a child interpreter, so a hang is a
    # timeout, not a stuck test run.
    code = """
import os, sys, warnings
import numpy as np, vecdot
a = np.arange(1 << 18, dtype=float) % 7
b = np.arange(1 << 18, dtype=float) % 5
want = vecdot.dot(a, b, threads=1)
assert vecdot.dot(a, b, threads=4) == want      # the pool is up
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
    pid = os.fork()
if pid == 0:
    ok = all(vecdot.dot(a, b, threads=4) == want for _ in range(5))
    os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
assert vecdot.dot(a, b, threads=4) == want
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
