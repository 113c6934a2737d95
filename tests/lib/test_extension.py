"""Properties of the C extension itself: packaging, module init, zero copy,
the GIL, references and memory. (The pure-Python reference has none of
these to test.)"""

import array
import gc
import importlib.util
import os
import subprocess
import sys
import sysconfig
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import vecdot
import vecdot._vecdot

# ---- packaging and init ------------------------------------------------------


def test_built_for_the_limited_api():
    path = Path(vecdot._vecdot.__file__)
    assert path.name.endswith(".abi3.so") or path.suffix == ".pyd"


def test_ships_its_type_stub_and_marker():
    package = Path(vecdot.__file__).parent
    assert (package / "py.typed").exists()
    stub = (package / "_vecdot.pyi").read_text()
    for name in ("def hello(", "def dot(", "def parse("):
        assert name in stub


def test_each_import_gets_its_own_module_state():
    # Multi-phase init: executing the spec twice gives two independent
    # modules, each with working state (the array type, thread default).
    spec = importlib.util.find_spec("vecdot._vecdot")
    first = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(first)
    second = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(second)
    assert first is not second and first is not vecdot._vecdot
    assert first.parse("1,2") == second.parse("1,2") == array.array("d", [1, 2])
    assert first.dot([1, 2], [3, 4]) == 11.0


def run_python(code, **env):
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60
    )


def test_invalid_thread_setting_fails_the_import_loudly():
    result = run_python("import vecdot", VECDOT_NUM_THREADS="many")
    assert result.returncode != 0
    assert "VECDOT_NUM_THREADS must be a positive integer, not 'many'" in result.stderr


def test_valid_thread_setting_imports():
    result = run_python("import vecdot; print(vecdot.dot([1], [2]))", VECDOT_NUM_THREADS="1")
    assert result.returncode == 0 and result.stdout.strip() == "2.0"


# ---- zero copy ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("accurate", [False, True])
def test_float_buffers_are_read_in_place(dtype, accurate):
    a = np.ones(1_000_000, dtype=dtype)
    tracemalloc.start()
    try:
        vecdot.dot(a, a[::-1], accurate=accurate)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A copy of either vector would be 4-8 MB; in place, only a few objects.
    assert peak < 64 * 1024


def test_lists_are_converted_once_not_kept():
    a = [1.0] * 100_000
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        vecdot.dot(a, a)
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 4096  # the temporary arrays are gone
    assert peak - before >= 2 * 8 * 100_000  # and they were C doubles, not objects


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


# ---- references, buffers and memory over many calls ---------------------------


def raising_iter():
    yield 1.0
    raise KeyError("stop")


CALLS = {
    "dot lists": lambda: vecdot.dot([1.0, 2.0], [3.0, 4.0]),
    "dot accurate": lambda: vecdot.dot([1e16, 1.0, -1e16], [1.0, 1.0, 1.0], accurate=True),
    "dot numpy": lambda: vecdot.dot(np.ones(10), np.ones(10)),
    "dot int buffer": lambda: vecdot.dot(array.array("q", [1, 2]), [1, 2]),
    "dot generator": lambda: vecdot.dot((x for x in [1.0, 2.0]), [1, 2]),
    "hello": lambda: vecdot.hello("you"),
    "parse": lambda: vecdot.parse("1.5,2,3e4"),
    "parse fallback": lambda: vecdot.parse("\u0663,4"),
    # error paths
    "length mismatch": lambda: vecdot.dot([1.0], [1.0, 2.0]),
    "bad element": lambda: vecdot.dot([1.0, "x"], [1.0, 2.0]),
    "failing iterator": lambda: vecdot.dot(raising_iter(), [1.0, 2.0]),
    "bad format": lambda: vecdot.dot(np.zeros(2, dtype=np.float16), [1, 2]),
    "bad keyword": lambda: vecdot.dot([1.0], [1.0], nope=1),
    "bad parse": lambda: vecdot.parse("1,abc"),
    "bad hello": lambda: vecdot.hello(3),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CALLS))
def test_many_calls_leak_nothing(name):
    call = CALLS[name]

    def run(times):
        for _ in range(times):
            try:
                call()
            except Exception:
                pass

    run(1000)  # warm caches (interned strings, free lists)
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        objects_before = len(gc.get_objects())
        run(20_000)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
        objects_after = len(gc.get_objects())
    finally:
        tracemalloc.stop()
    # One leaked object or buffer per call would be 20,000 of them.
    assert objects_after - objects_before < 100
    assert after - before < 20_000


def test_arguments_keep_their_reference_counts():
    item = object.__new__(type("F", (), {"__float__": lambda self: 2.0}))
    values = [1.0, item, 3.0]
    before = sys.getrefcount(values), sys.getrefcount(item)
    for _ in range(1000):
        vecdot.dot(values, values)
        with pytest.raises(ValueError):
            vecdot.dot(values, [1.0])
    assert (sys.getrefcount(values), sys.getrefcount(item)) == before


@pytest.mark.parametrize("other", [[1.0, 2.0], [1.0], ["x", "y"]])
def test_buffers_are_released_on_every_path(other):
    a = array.array("d", [1.0, 2.0])
    try:
        vecdot.dot(a, other)
    except (TypeError, ValueError):
        pass
    a.append(3.0)  # BufferError here would mean dot() still held the buffer
    assert len(a) == 3


def test_read_only_buffers_are_never_written():
    a = np.arange(5.0)
    a.flags.writeable = False
    assert vecdot.dot(a, a) == 30.0


@pytest.mark.skipif(sysconfig.get_config_var("Py_GIL_DISABLED"), reason="abi3 needs the GIL build")
def test_module_declares_no_hidden_globals():
    # PyInit__vecdot is the only exported symbol: everything else is static.
    result = subprocess.run(
        ["nm", "-D", "--defined-only", vecdot._vecdot.__file__], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip("nm is not available")
    exported = {line.split()[-1] for line in result.stdout.splitlines() if " T " in line}
    assert exported == {"PyInit__vecdot"}
