"""vecdot.dot against numpy.dot on float64 buffers, each library alone in a fresh process.

The interleaved rounds of micro.py shield every contender from drift, but they cannot
be fair to two libraries that both use threads: after a call, OpenBLAS's worker keeps
spinning on the other core for a while, so whichever contender runs next shares that
core with it; and a program calls one of them, not both in turn. So here every figure
comes from a process of its own that imports one library only: it makes the inputs,
calls the library for WARM_S (threads started, caches and clocks settled), then times
SAMPLES interleaving-free samples of SAMPLE_MS (bench/timing.py's unrolled loop) and
reports their median. The parent starts ROUNDS such processes per library and n,
vecdot and numpy alternating, and keeps the best of each library's processes, so a
neighbour's burst that spoils one process does not decide the ratio.

At n = 1e7 (DRAM) the same rounds also time vecdot on one thread and the read ceiling
(bench/c/stream.c) on one thread and on two, each in processes of their own too: a
ceiling read beside numpy, in its process, shares the second core with OpenBLAS's
spinning worker and falls short of the contenders (targets 2 and 2b).

    python bench/alone.py [--quick]            # the table, as bench/run.py's "alone" step
    python bench/alone.py --child numpy 100000 # one process's figure, ns per call
"""

import argparse
import ctypes
import functools
import json
import statistics
import subprocess
import sys
import time

import timing

# Issue 13's sizes: from a call that is all overhead to one that is all DRAM.
SIZES = [3, 100, 1_000, 10_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000]
QUICK_SIZES = [3, 1_000, 100_000, 1_000_000, 10_000_000]
ROUNDS = 3
WARM_S = 0.2
SAMPLES = 5
SAMPLE_MS = 10.0
# Timed at CEILING_N only: vecdot on one thread, and the read ceiling on one and two.
CEILING_N = 10_000_000
MORE_AT_CEILING_N = ["vecdot_1t", "read_1t", "read_2t"]
LIBRARIES = ["vecdot", "numpy", *MORE_AT_CEILING_N]


def _read_ns(x, y, threads):
    """ns per read of both vectors by bench/c/stream.c, median of SAMPLES after WARM_S."""
    from micro import load_ctypes_lib  # bench/out's library, built by bench/build.py

    lib, sink, n = load_ctypes_lib(), ctypes.c_double(), len(x)
    reps = max(1, int(SAMPLE_MS * 1e6 / (n / 2)))  # at ~2 ns per pair: about SAMPLE_MS

    def once():
        return lib.stream_read_ns(x.ctypes.data, y.ctypes.data, n, threads, reps, ctypes.byref(sink)) / reps

    end = time.perf_counter() + WARM_S
    while time.perf_counter() < end:
        once()
    return statistics.median(once() for _ in range(SAMPLES))


def child(library, n):
    """ns per call of `library` on n float64 pairs, timed in this process alone."""
    import numpy as np  # the inputs are numpy arrays for both libraries

    gen = np.random.default_rng(n)
    x, y = gen.random(n), gen.random(n)
    if library.startswith("read_"):
        return _read_ns(x, y, int(library[len("read_"):-1]))
    if library == "numpy":
        f = np.dot
    else:
        import vecdot

        # vecdot_1t at 1e7 only, where the partial's call costs nothing measurable.
        f = functools.partial(vecdot.dot, threads=1) if library == "vecdot_1t" else vecdot.dot
        # Answers first (without numpy.dot, whose worker would then spin beside vecdot).
        want = vecdot.dot(x, y, accurate=True)
        assert abs(f(x, y) - want) <= 1e-12 * abs(want), (f(x, y), want)
    case = timing.Case(library, "f(x, y)", {"f": f, "x": x, "y": y})
    end = time.perf_counter() + WARM_S
    while time.perf_counter() < end:
        f(x, y)
    timing.run_rounds([case], SAMPLES, SAMPLE_MS * 1e6)
    return case.median


def _in_fresh_process(library, n):
    out = subprocess.run([sys.executable, __file__, "--child", library, str(n)],
                         check=True, capture_output=True, text=True)
    return float(out.stdout)


def measure(sizes, rounds, log=print):
    out = {}
    for n in sizes:
        libraries = LIBRARIES if n == CEILING_N else LIBRARIES[:2]
        samples = {name: [] for name in libraries}
        for r in range(rounds):
            for library in (libraries if r % 2 == 0 else libraries[::-1]):
                samples[library].append(_in_fresh_process(library, n))
        row = {name: min(s) for name, s in samples.items()}
        row["all"] = samples
        row["numpy_over_vecdot"] = row["numpy"] / row["vecdot"]
        out[str(n)] = row
        log(f"  alone: n={n:>10,}  vecdot {row['vecdot'] / 1e3:9.2f} us  numpy "
            f"{row['numpy'] / 1e3:9.2f} us  numpy/vecdot {row['numpy_over_vecdot']:4.2f}x")
        if n == CEILING_N:
            log("  alone: GB/s at n=1e7: " + "  ".join(f"{name} {16 * n / row[name]:.1f}" for name in libraries))
    return {"sizes": out, "rounds": rounds, "warm_s": WARM_S, "samples": SAMPLES,
            "sample_ms": SAMPLE_MS}


def run(quick, log=print):
    return measure(QUICK_SIZES if quick else SIZES, ROUNDS, log)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="five sizes: a smoke run")
    parser.add_argument("--child", nargs=2, metavar=("LIBRARY", "N"),
                        help="time one contender (vecdot, numpy, ...) at one n and print ns per call")
    args = parser.parse_args(argv)
    if args.child:
        library, n = args.child
        if library not in LIBRARIES:
            parser.error(f"--child takes one of {', '.join(LIBRARIES)}")
        print(child(library, int(n)))
        return
    print(json.dumps(run(args.quick, lambda m: print(m, file=sys.stderr, flush=True)), indent=1))


if __name__ == "__main__":
    main()
