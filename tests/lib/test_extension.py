"""Properties of the C extension itself: packaging, module init, its constants,
zero copy, references and memory; the GIL and threads are test_extension_threads.py.
(The pure-Python reference has none of these to test: every test here is c_only.)"""

import array
import gc
import importlib.util
import os
import re
import subprocess
import sys
import sysconfig
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import vecdot
import vecdot._native
import vecdot._vecdot

pytestmark = pytest.mark.c_only

# ---- packaging and init ------------------------------------------------------


def test_built_for_the_api_its_build_asked_for():
    # VECDOT_FULL_API=1 is set wherever a full-API build is made and tested (the image's
    # build stage, cibuildwheel's full matrix, make test-dist's full suite): its module
    # serves this CPython alone and carries its suffix. Otherwise the module is the
    # abi3 one that serves every CPython from 3.11 on.
    name = Path(vecdot._vecdot.__file__).name
    if os.environ.get("VECDOT_FULL_API") == "1":
        assert name == "_vecdot" + sysconfig.get_config_var("EXT_SUFFIX")
    else:
        assert name in ("_vecdot.abi3.so", "_vecdot.pyd")


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


# ---- constants ----------------------------------------------------------------


def test_exports_its_constants_and_the_stub_declares_each():
    exported = {name for name in dir(vecdot._vecdot) if name.isupper()}
    stub = (Path(vecdot.__file__).parent / "_vecdot.pyi").read_text()
    assert exported == set(re.findall(r"^([A-Z_]+): Final\[int\]", stub, re.MULTILINE))
    assert exported >= {"CHUNK_SIZE", "LANES", "MIN_PER_THREAD", "MAX_THREADS", "GIL_RELEASE_MIN"}
    assert all(type(getattr(vecdot._vecdot, name)) is int for name in exported)


def test_the_reference_reads_the_constants_it_follows():
    # vecdot._native sums in the C kernel's chunks and lanes: the same objects.
    assert vecdot._native.CHUNK_SIZE is vecdot._vecdot.CHUNK_SIZE
    assert vecdot._native.LANES is vecdot._vecdot.LANES


def test_chunk_size_decides_the_order_of_operations():
    # 1 + 2^53 - 2^53 in one chunk's lane 0 loses the 1 (it is absorbed); with the
    # 1 alone in the chunk before, the chunk sums keep it. Same vector, moved by
    # one chunk: only CHUNK_SIZE can tell the two apart.
    chunk, lanes = vecdot._vecdot.CHUNK_SIZE, vecdot._vecdot.LANES
    a = np.zeros(2 * chunk)
    a[0], a[lanes], a[2 * lanes] = 1.0, 2.0**53, -(2.0**53)
    assert vecdot.dot(a, np.ones(2 * chunk)) == 0.0
    a[:] = 0.0
    a[chunk - lanes], a[chunk], a[chunk + lanes] = 1.0, 2.0**53, -(2.0**53)
    assert vecdot.dot(a, np.ones(2 * chunk)) == 1.0


def run_python(code, **env):
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60
    )


def test_invalid_thread_setting_fails_the_import_loudly():
    result = run_python("import vecdot", VECDOT_NUM_THREADS="many")
    assert result.returncode != 0
    assert "VECDOT_NUM_THREADS must be a positive integer, not 'many'" in result.stderr


def test_failing_cpu_count_fails_the_import_with_its_own_error():
    # The CPU count is len(os.sched_getaffinity(0)) on 3.11 and 3.12; a len()
    # that raises must fail the import with that error (it was passed on to
    # PyLong_FromSsize_t unchecked), never a SystemError.
    code = """
import os
class Cpus:
    def __len__(self):
        raise KeyError("from __len__")
if hasattr(os, "process_cpu_count"):
    del os.process_cpu_count
os.sched_getaffinity = lambda pid: Cpus()
import vecdot
"""
    environment = {k: v for k, v in os.environ.items() if k != "VECDOT_NUM_THREADS"}
    result = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "KeyError: 'from __len__'" in result.stderr and "SystemError" not in result.stderr


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
