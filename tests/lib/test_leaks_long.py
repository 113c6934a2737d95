"""Leaks over 100,000 calls of every entry point, error paths included.

Each case is called VECDOT_LEAK_CALLS times (default 100,000) after a warm-up, and
four things must stay flat: the interpreter's live memory blocks
(sys.getallocatedblocks), the objects the garbage collector tracks, the reference
counts of the arguments, and the process's resident memory. A leak of one object,
one reference or one small buffer per call would grow them by 100,000; the limits
allow a few hundred, for caches that fill once.

The cases cover each way through the binding: converted values held in the call's
own frame (up to INLINE_VALUES of them) and on the heap, buffers read in place and
converted, the exact sum, the GIL released (from GIL_RELEASE_MIN elements) and the
threaded kernel, and every kind of error after something was acquired. The sizes come
from the extension's own constants, and test_case_takes_the_path_it_is_named_for
checks, by what each path does, that each case gets there.

scripts/asan.sh and scripts/valgrind.sh run this with fewer calls: their tools find
leaks per allocation, and RSS means nothing under them (PYTHONMALLOC=malloc, so the
RSS check is skipped there).
"""

import array
import gc
import os
import sys
import time

import numpy as np
import pytest
import vecdot
from probes import calls_without_the_gil, helper_threads_started, peak_bytes
from vecdot._vecdot import GIL_RELEASE_MIN, INLINE_VALUES, MIN_PER_THREAD

# Minutes of calls: the image build skips it (-m "not slow"); make test-lib runs it.
pytestmark = [pytest.mark.slow, pytest.mark.c_only]

CALLS = int(os.environ.get("VECDOT_LEAK_CALLS", "100000"))
WARMUP = max(CALLS // 10, 100)
# RSS is only meaningful with CPython's own allocator (not under ASan or valgrind).
CHECK_RSS = "PYTHONMALLOC" not in os.environ


class Boom(Exception):
    pass


class Number:
    def __float__(self):
        return 0.5


class BadNumber:
    def __float__(self):
        raise Boom("from __float__")


class NoBool:
    def __bool__(self):
        raise Boom("from __bool__")


def failing_after(n):
    yield from [1.0] * n
    raise Boom("from the generator")


SMALL = [float(i) for i in range(INLINE_VALUES)]             # converted into the frame
LONG = [float(i) for i in range(100)]                        # over INLINE_VALUES: the heap
LONG_TUPLE = tuple(LONG)
MIXED = [1, 2.5, True, Number()] * 5                         # every item kind converted
# Sums to exactly 0: lib/c/exact.c never certifies a zero from its compensated
# pass (certified() rejects hi == 0), so the superaccumulator decides.
CANCEL = [1e16, 1.0, -1e16, -1.0] * 25
F64 = np.linspace(-1, 1, 100)
F32_STRIDED = np.linspace(-1, 1, 300, dtype=np.float32)[::3]
INT_BUFFER = array.array("q", range(100))
# The GIL is released from GIL_RELEASE_MIN elements; the exact sum keeps the call
# inside C long enough (about 0.5 ms) for the probe to see another thread run.
BIG_CANCEL = np.resize([1e16, 1.0, -1e16, -1.0], GIL_RELEASE_MIN)
BIG_ONES = np.ones(GIL_RELEASE_MIN)
HUGE = np.ones(2 * MIN_PER_THREAD)                          # the least that two threads share
BAD_TAIL = LONG[:99] + ["x"]
BIG_INT_TAIL = LONG[:99] + [10**400]
BAD_FLOAT_TAIL = LONG[:99] + [BadNumber()]
TWO_D = np.ones((10, 10))
HALF = np.float16([1.0] * 100)
NO_BOOL = NoBool()
TEXT = ",".join(map(str, LONG[:30]))
UNICODE_TEXT = ",".join(["\u0663.5"] * 5)                   # float() fallback
BAD_TEXT = TEXT + ",not a number and longer than forty characters in all"
BYTES = TEXT.encode()

# name: (call, the exception it must raise or None, calls as a fraction of CALLS)
CASES = {
    # dot: results
    "dot small lists": (lambda: vecdot.dot(SMALL, SMALL), None, 1),
    "dot long lists": (lambda: vecdot.dot(LONG, LONG), None, 1),
    "dot tuple and list": (lambda: vecdot.dot(LONG_TUPLE, LONG), None, 1),
    "dot mixed items": (lambda: vecdot.dot(MIXED, MIXED), None, 1),
    "dot accurate, exact path": (lambda: vecdot.dot(CANCEL, [1.0] * 100, accurate=True), None, 1),
    "dot float64 buffers": (lambda: vecdot.dot(F64, F64, accurate=True), None, 1),
    "dot strided float32": (lambda: vecdot.dot(F32_STRIDED, F64), None, 1),
    "dot int buffer": (lambda: vecdot.dot(INT_BUFFER, LONG), None, 1),
    "dot generators": (lambda: vecdot.dot((x for x in LONG), iter(LONG)), None, 1),
    "dot without the GIL": (lambda: vecdot.dot(BIG_CANCEL, BIG_ONES, accurate=True), None, 0.05),
    "dot with two threads": (lambda: vecdot.dot(HUGE, HUGE, threads=2), None, 0.2),
    # dot: errors after something was acquired
    "dot length mismatch": (lambda: vecdot.dot(LONG, LONG[:-1]), ValueError, 1),
    "dot bad item after 99": (lambda: vecdot.dot(LONG, BAD_TAIL), TypeError, 1),
    "dot int too large": (lambda: vecdot.dot(LONG, BIG_INT_TAIL), OverflowError, 1),
    "dot __float__ raises": (lambda: vecdot.dot(BAD_FLOAT_TAIL, LONG), Boom, 1),
    "dot iterator fails": (lambda: vecdot.dot(failing_after(50), LONG), Boom, 1),
    "dot 2-d buffer": (lambda: vecdot.dot(F64, TWO_D), ValueError, 1),
    "dot bad format": (lambda: vecdot.dot(F64, HALF), TypeError, 1),
    "dot not iterable": (lambda: vecdot.dot(LONG, 1.5), TypeError, 1),
    "dot bad keyword": (lambda: vecdot.dot(SMALL, SMALL, fast=True), TypeError, 1),
    "dot bad threads": (lambda: vecdot.dot(SMALL, SMALL, threads=0), ValueError, 1),
    "dot accurate raises": (lambda: vecdot.dot(SMALL, SMALL, accurate=NO_BOOL), Boom, 1),
    # hello
    "hello": (lambda: vecdot.hello(), None, 1),
    "hello name": (lambda: vecdot.hello("Grace Hopper"), None, 1),
    "hello not str": (lambda: vecdot.hello(42), TypeError, 1),
    # parse
    "parse str": (lambda: vecdot.parse(TEXT), None, 1),
    "parse bytes": (lambda: vecdot.parse(BYTES), None, 1),
    "parse memoryview": (lambda: vecdot.parse(memoryview(BYTES)), None, 1),
    "parse float() fallback": (lambda: vecdot.parse(UNICODE_TEXT), None, 1),
    "parse bad last field": (lambda: vecdot.parse(BAD_TEXT), ValueError, 1),
    "parse not text": (lambda: vecdot.parse(1.5), TypeError, 1),
}


def rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def call_many(call, times, expected):
    for _ in range(times):
        try:
            call()
        except Exception as exc:
            if expected is None or type(exc) is not expected:
                raise


def snapshot(arguments):
    gc.collect()
    return {
        "blocks": sys.getallocatedblocks(),
        "objects": len(gc.get_objects()),
        "refcounts": [sys.getrefcount(a) for a in arguments],
        "rss": rss_bytes() if CHECK_RSS else 0,
    }


ARGUMENTS = [SMALL, LONG, LONG_TUPLE, MIXED, CANCEL, F64, F32_STRIDED, INT_BUFFER, BIG_CANCEL, BIG_ONES, HUGE,
             BAD_TAIL, BIG_INT_TAIL, BAD_FLOAT_TAIL, TWO_D, HALF, NO_BOOL, TEXT, BYTES]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
@pytest.mark.parametrize("name", list(CASES))
def test_calls_leak_nothing(name):
    call, expected, share = CASES[name]
    if expected is not None:
        with pytest.raises(expected):
            call()  # the case takes the path it is named for
    calls = max(int(CALLS * share), 100)
    call_many(call, WARMUP, expected)
    before = snapshot(ARGUMENTS)
    start = time.perf_counter()
    call_many(call, calls, expected)
    seconds = time.perf_counter() - start
    after = snapshot(ARGUMENTS)
    print(f"{name}: {calls} calls in {seconds:.2f} s; blocks {after['blocks'] - before['blocks']:+d}, "
          f"objects {after['objects'] - before['objects']:+d}, "
          f"RSS {(after['rss'] - before['rss']) / 1024:+.0f} KiB")

    limit = min(500, calls // 4)
    assert after["blocks"] - before["blocks"] < limit
    assert after["objects"] - before["objects"] < limit
    assert after["refcounts"] == before["refcounts"]
    # 100,000 leaked bytes would be one byte per call: far below any real leak.
    assert after["rss"] - before["rss"] < max(1 << 20, calls)


# ---- each case reaches the path it is named for ----------------------------------


def test_case_takes_the_path_it_is_named_for():
    # Converted values: none allocated up to INLINE_VALUES, two heap arrays past it.
    # (A heap array for SMALL would be 2 x 8 x INLINE_VALUES bytes.)
    assert peak_bytes(CASES["dot small lists"][0]) < 8 * INLINE_VALUES
    assert len(LONG) > INLINE_VALUES
    assert peak_bytes(CASES["dot long lists"][0]) >= 2 * 8 * len(LONG)
    # Buffers of doubles are read in place; an integer buffer is converted.
    assert peak_bytes(CASES["dot float64 buffers"][0]) < 8 * len(F64)
    assert peak_bytes(CASES["dot int buffer"][0]) >= 8 * len(INT_BUFFER)
    # The GIL: released by the case, never by the same call one element shorter.
    assert calls_without_the_gil(vecdot.dot, BIG_CANCEL, BIG_ONES, accurate=True) > 0
    assert calls_without_the_gil(vecdot.dot, BIG_CANCEL[:-1], BIG_ONES[:-1], accurate=True) == 0
    # Threads: the case's call starts one helper; one element fewer starts none.
    setup = f"import numpy as np, vecdot; a = np.ones({len(HUGE)})"
    assert helper_threads_started(setup, "vecdot.dot(a, a, threads=2)") == 1
    assert helper_threads_started(setup, "vecdot.dot(a[:-1], a[:-1], threads=2)") == 0
