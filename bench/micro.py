"""The in-process benchmark: the dot product of n float64 pairs by every contender.

Runs in whichever interpreter starts it and times every contender it can import (numpy,
the harness-built Cython, ctypes and _probe modules in bench/out/, math.sumprod on 3.12+),
interleaved by bench/timing.py. bench/run.py calls run() in the project's .venv
(everything but sumprod), and runs this file in the image's Python 3.13 (sumprod against
vecdot), which prints JSON; progress goes to stderr.

    python bench/micro.py [--quick] [--only a,b] [--max-n N] > micro.json
"""

import argparse
import ctypes
import json
import math
import operator
import os
import platform
import random
import sys
import time
from array import array
from pathlib import Path

import timing

OUT = Path(__file__).resolve().parent / "out"
sys.path.insert(0, str(OUT))  # the harness-built modules (bench/build.py)

import vecdot  # noqa: E402

try:
    import numpy
except ImportError:
    numpy = None
try:
    import cydot
except ImportError:
    cydot = None
try:
    import _probe
except ImportError:
    _probe = None

SIZES = [3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 300_000,
         1_000_000, 3_000_000, 10_000_000]
QUICK_SIZES = [3, 1_000, 100_000, 10_000_000]
# Lists of 1e7 floats take ~0.7 GB and pure Python a second per call: lists stop here.
LIST_MAX = 1_000_000
# The no-op is the same at every n; it is timed where it can be compared.
NOOP_MAX = 1_000

# name: (what it is, the statement timed, the inputs it takes)
CONTENDERS = {
    "py_zip": ("pure Python, sum(x*y for x, y in zip(a, b))", "sum(x*y for x, y in zip(a, b))", "list"),
    "py_map": ("pure Python, sum(map(operator.mul, a, b))", "sum(map(mul, a, b))", "list"),
    "sumprod": ("math.sumprod(a, b), lists", "sumprod(a, b)", "list"),
    "numpy_list": ("numpy.dot on lists", "np_dot(a, b)", "list"),
    "cython_list": ("Cython typed loop, lists", "cy_list(a, b)", "list"),
    "vecdot_list": ("vecdot.dot, lists", "dot(a, b)", "list"),
    "vecdot_list_acc": ("vecdot.dot accurate=True, lists", "dot(a, b, accurate=True)", "list"),
    "numpy": ("numpy.dot on float64 arrays", "np_dot(x, y)", "buffer"),
    "cython_buf": ("Cython typed memoryviews, float64 arrays", "cy_view(x, y)", "buffer"),
    "ctypes": ("vecdot's C kernel through ctypes", "c_dot(px, py, n, threads)", "buffer"),
    "vecdot": ("vecdot.dot, float64 buffers", "dot(x, y)", "buffer"),
    "vecdot_1t": ("vecdot.dot threads=1, float64 buffers", "dot(x, y, threads=1)", "buffer"),
    "vecdot_acc": ("vecdot.dot accurate=True, float64 buffers", "dot(x, y, accurate=True)", "buffer"),
    "vecdot_acc_1t": ("vecdot.dot accurate=True threads=1, float64 buffers",
                      "dot(x, y, accurate=True, threads=1)", "buffer"),
    "noop": ("a no-op C function of two arguments", "noop(a, b)", "any"),
}


def load_ctypes_lib():
    """bench/out/libvdbench.so with its signatures, or None when it was not built."""
    path = OUT / "libvdbench.so"
    if not path.exists():
        return None
    lib = ctypes.CDLL(str(path))
    dot_args = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    for name in ("bench_dot", "bench_dot_split"):
        getattr(lib, name).argtypes = dot_args
        getattr(lib, name).restype = ctypes.c_double
    lib.stream_read_ns.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                                   ctypes.c_int, ctypes.POINTER(ctypes.c_double)]
    lib.stream_read_ns.restype = ctypes.c_longlong
    lib.bench_min_per_thread.argtypes, lib.bench_min_per_thread.restype = [], ctypes.c_size_t
    lib.bench_dot_after_gap.argtypes = dot_args + [ctypes.c_longlong, ctypes.c_int]
    lib.bench_dot_after_gap.restype = ctypes.c_longlong
    return lib


def available(lib):
    have = {
        "sumprod": hasattr(math, "sumprod"),
        "numpy_list": numpy is not None,
        "numpy": numpy is not None,
        "cython_list": cydot is not None,
        "cython_buf": cydot is not None and numpy is not None,
        "ctypes": lib is not None and numpy is not None,
        "noop": _probe is not None,
    }
    return [name for name in CONTENDERS if have.get(name, True)]


def make_data(n, seed):
    """Well-conditioned inputs (uniform in [0, 1)): lists, and float64 buffers.

    The buffers are numpy arrays where numpy exists (what numpy.dot is given too),
    else array('d'); both are read in place by vecdot."""
    rng = random.Random(seed)
    lists = None
    if n <= LIST_MAX:
        lists = ([rng.random() for _ in range(n)], [rng.random() for _ in range(n)])
    if numpy is not None:
        gen = numpy.random.default_rng(seed)
        x, y = gen.random(n), gen.random(n)
        if lists is not None:
            x, y = numpy.array(lists[0]), numpy.array(lists[1])
    else:
        x, y = (array("d", lists[0]), array("d", lists[1])) if lists else (None, None)
    return lists, (x, y)


def cases_for(n, names, lists, buffers, lib):
    env_common = {
        "dot": vecdot.dot, "mul": operator.mul, "n": n,
        "sumprod": getattr(math, "sumprod", None),
        "np_dot": numpy.dot if numpy is not None else None,
        "cy_list": getattr(cydot, "dot_list", None), "cy_view": getattr(cydot, "dot_view", None),
        "noop": getattr(_probe, "noop", None),
        "c_dot": lib.bench_dot if lib is not None else None,
        # the ctypes contender gets vecdot's own default thread count
        "threads": _default_threads(),
    }
    cases = []
    for name in names:
        _, stmt, kind = CONTENDERS[name]
        if kind == "list" and lists is None:
            continue
        if kind == "buffer" and buffers[0] is None:
            continue
        if name == "noop" and n > NOOP_MAX:
            continue
        env = {k: v for k, v in env_common.items() if k in stmt}
        if kind in ("list", "any"):
            env["a"], env["b"] = lists if lists is not None else buffers
        if kind == "buffer":
            env["x"], env["y"] = buffers
            if name == "ctypes":
                env["px"], env["py"] = buffers[0].ctypes.data, buffers[1].ctypes.data
        cases.append(timing.Case(name, stmt, env))
    return cases


def _default_threads():
    """vecdot's default thread count in this process (VECDOT_NUM_THREADS, else the CPUs)."""
    env = os.environ.get("VECDOT_NUM_THREADS")
    if env:
        return int(env)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def check_results(cases):
    """Every contender must agree before its speed means anything."""
    results = {c.name: eval(c.stmt, dict(c.env)) for c in cases if c.name != "noop"}  # noqa: S307
    if not results:
        return
    env = cases[0].env
    a, b = (env["a"], env["b"]) if "a" in env else (env["x"], env["y"])
    reference = vecdot.dot(a, b, accurate=True)
    for name, value in results.items():
        if not math.isclose(value, reference, rel_tol=1e-9):
            raise AssertionError(f"{name} gave {value!r}, expected about {reference!r}")


class CeilingCase(timing.Case):
    """The C streaming read (bench/c/stream.c) of the very vectors the dot products are
    given, as one more contender in the same rounds, so the ceiling and the dot products
    see the same memory and the same moments of a shared machine. It times itself in C
    (no Python call in the figure); a sample is ns per read of the 16n bytes, and the
    ceiling is the fastest sample of the run."""

    def __init__(self, lib, buffers, threads):
        super().__init__(f"read_{threads}t", "", {})
        self.lib, self.threads = lib, threads
        self.x, self.y = buffers
        self.n = len(self.x)
        self.reps = max(1, int(20e6 / (2 * self.n)))  # ~20 M doubles per sample: milliseconds
        self.sink = ctypes.c_double()

    def compile(self, unroll):
        self._unroll = 1

    def time_once(self):
        ns = self.lib.stream_read_ns(self.x.ctypes.data, self.y.ctypes.data, self.n, self.threads,
                                     self.reps, ctypes.byref(self.sink))
        return ns / self.reps


def ceiling_cases(lib, n, buffers):
    """The read ceiling on one thread and on every CPU (n >= 1e4: below, calls dominate)."""
    if lib is None or numpy is None or n < 10_000:
        return []
    return [CeilingCase(lib, buffers, t) for t in sorted({1, _default_threads()})]


def run(sizes, names, rounds, sample_ms, log):
    lib = load_ctypes_lib()
    names = [n for n in names if n in available(lib)]
    result = {"python": platform.python_version(), "numpy": getattr(numpy, "__version__", None),
              "contenders": {k: CONTENDERS[k][0] for k in names}, "sizes": {}, "ceiling": {}}
    for n in sizes:
        start = time.monotonic()
        lists, buffers = make_data(n, seed=n)
        cases = cases_for(n, names, lists, buffers, lib)
        check_results(cases)
        reads = ceiling_cases(lib, n, buffers)
        timing.run_rounds(cases + reads, rounds, sample_ms * 1e6, seed=n)
        result["sizes"][str(n)] = {
            c.name: {"ns": c.median, "spread": c.spread, "rounds": len(c.samples)} for c in cases
        }
        if reads:  # GB/s, keyed by thread count: the fastest round, what the machine can give,
            # where a contender's figure is its median, so noise cannot lift one over the ceiling
            result["ceiling"][str(n)] = {str(c.threads): 16 * n / min(c.samples) for c in reads}
        del lists, buffers, cases, reads
        log(f"  n={n:>10,}: {len(result['sizes'][str(n)])} contenders x {rounds} rounds "
            f"in {time.monotonic() - start:.1f} s")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 sizes, 3 rounds: a smoke run")
    parser.add_argument("--only", help="comma-separated contenders (default: all available)")
    parser.add_argument("--max-n", type=int, default=max(SIZES))
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--sample-ms", type=float, default=10.0)
    args = parser.parse_args(argv)

    sizes = QUICK_SIZES if args.quick else SIZES
    sizes = [n for n in sizes if n <= args.max_n]
    rounds = 3 if args.quick else args.rounds
    names = args.only.split(",") if args.only else list(CONTENDERS)
    unknown = set(names) - set(CONTENDERS)
    if unknown:
        parser.error(f"unknown contenders: {', '.join(sorted(unknown))}")

    result = run(sizes, names, rounds, args.sample_ms, lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
