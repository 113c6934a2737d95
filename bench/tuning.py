"""The measurements behind vecdot's tuning constants.

- vd_min_per_thread (lib/c/dot.h): vd_dot starts a second thread only when each thread
  gets at least this many elements, the L2 cache's size / 32, read by the kernel. Measured
  here with the very kernel and its thread pool, through bench/c/kernels.c's
  bench_dot_split (vd_dot_threads, which skips that rule), on one thread and on two, each
  n in fresh processes of its own (one and two threads interleaved in it, the best of
  PROCESSES processes, so a neighbour's burst on the shared cores does not decide): the
  kernel's value should be about half the n from which two threads are reliably faster.
- VD_POOL_SPIN_NS (lib/c/pool.h): a helper polls this long for the next call, then sleeps.
  Measured with bench_dot_after_gap: two-thread calls each made a gap after the previous
  one returned (the caller busy meanwhile), against one-thread calls: what a call costs
  when the helper must be woken.
- GIL_RELEASE_MIN (lib/c/py_dot.c): dot() releases the GIL from this n. Measured with
  bench/c/probe.c's dot_hold and dot_release (the same kernel, GIL held or released):
  alone, their difference is what releasing costs; from two Python threads at once,
  the ratio of their throughputs is what releasing buys.
"""

import json
import statistics
import subprocess
import sys
import threading
import time

import numpy
import timing
from micro import load_ctypes_lib  # also puts bench/out, where _probe is built, on sys.path

# From two chunks (VD_CHUNK = 2**13 elements), the least that can be split, to 8M, and
# issue 13's sizes in that range.
THREAD_SIZES = sorted([2**k for k in range(14, 24)] + [3 * 2**13, 3 * 2**14, 3 * 2**16]
                      + [100_000, 300_000, 1_000_000])
PROCESSES = 3
# Gaps between calls, around pool.h's VD_POOL_SPIN_NS of 100 us, and the sizes they are tried at.
GAPS_US = [0, 50, 200, 1000]
GAP_SIZES = [100_000, 1_000_000]
GIL_SIZES = [256, 1024, 2048, 4096, 8192, 16384, 65536, 262144]
# A second thread pays when it is at least this much faster: less is within the noise.
SPEEDUP_NEEDED = 1.10


def one_and_two_threads(n, rounds, sample_ms):
    """ns per call on one thread and on two at n, interleaved, in this process."""
    lib = load_ctypes_lib()
    gen = numpy.random.default_rng(n)
    x, y = gen.random(n), gen.random(n)
    env = {"split": lib.bench_dot_split, "px": x.ctypes.data, "py": y.ctypes.data, "n": n}
    cases = [timing.Case(f"{t}t", f"split(px, py, n, {t})", env) for t in (1, 2)]
    timing.run_rounds(cases, rounds, sample_ms * 1e6, seed=n)
    return {"1": cases[0].median, "2": cases[1].median}


def thread_crossover(lib, sizes, rounds, sample_ms, log):
    rows = {}
    for n in sizes:
        runs = [json.loads(subprocess.run([sys.executable, __file__, "--threads-child", str(n), str(rounds),
                                           str(sample_ms)], check=True, capture_output=True, text=True).stdout)
                for _ in range(PROCESSES)]
        one, two = min(r["1"] for r in runs), min(r["2"] for r in runs)
        rows[str(n)] = {"1": one, "2": two, "speedup": one / two}
        log(f"  threads: n={n:>9,}  1 thread {one / 1e3:9.1f} us  2 threads {two / 1e3:9.1f} us"
            f"  speedup {one / two:4.2f}")
    crossover = None
    for n in sorted(sizes, reverse=True):  # the smallest n from which 2 threads always pay
        if rows[str(n)]["speedup"] < SPEEDUP_NEEDED:
            break
        crossover = n
    return {"sizes": rows, "crossover_n": crossover, "processes": PROCESSES,
            "recommended_min_per_thread": crossover // 2 if crossover else None,
            "kernel_min_per_thread": lib.bench_min_per_thread()}


def helper_wake(lib, sizes, calls, log):
    """Median ns per call with a busy gap before each: two threads, and one for reference."""
    rows = {}
    for n in sizes:
        gen = numpy.random.default_rng(n)
        x, y = gen.random(n), gen.random(n)
        row = {}
        for gap in GAPS_US:
            row[str(gap)] = {t: lib.bench_dot_after_gap(x.ctypes.data, y.ctypes.data, n, t, gap * 1000, calls)
                             for t in (1, 2)}
            log(f"  helper wake: n={n:>9,}  gap {gap:5} us  1 thread {row[str(gap)][1] / 1e3:7.1f} us"
                f"  2 threads {row[str(gap)][2] / 1e3:7.1f} us")
        rows[str(n)] = row
    return {"sizes": rows, "gaps_us": GAPS_US, "calls": calls}


def _two_threads_ns(f, x, y, calls):
    """Wall ns for two Python threads each making `calls` calls of f(x, y)."""
    barrier = threading.Barrier(3)

    def worker():
        barrier.wait()
        for _ in range(calls):
            f(x, y)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter_ns()
    for t in threads:
        t.join()
    return time.perf_counter_ns() - start


def gil_release(probe, sizes, rounds, sample_ms, log):
    rows = {}
    for n in sizes:
        gen = numpy.random.default_rng(n)
        x, y = gen.random(n), gen.random(n)
        env = {"hold": probe.dot_hold, "release": probe.dot_release, "x": x, "y": y}
        cases = [timing.Case("hold", "hold(x, y)", env), timing.Case("release", "release(x, y)", env)]
        timing.run_rounds(cases, rounds, sample_ms * 1e6, seed=n)
        hold, release = cases[0].median, cases[1].median
        # Two threads: aggregate ns per call, interleaved hold/release rounds.
        calls = max(10, int(sample_ms * 1e6 / hold / 2))
        pair = {"hold": [], "release": []}
        for _ in range(rounds):
            for name in ("hold", "release"):
                pair[name].append(_two_threads_ns(env[name], x, y, calls) / (2 * calls))
        hold2, release2 = statistics.median(pair["hold"]), statistics.median(pair["release"])
        rows[str(n)] = {
            "hold_ns": hold, "release_ns": release, "release_cost_ns": release - hold,
            "two_threads_hold_ns": hold2, "two_threads_release_ns": release2,
            "two_thread_gain": hold2 / release2,
        }
        log(f"  GIL: n={n:>7,}  held {hold:9.0f} ns  released {release:9.0f} ns"
            f"  (cost {release - hold:+6.0f} ns)  two threads: gain x{hold2 / release2:4.2f}")
    # The smallest n from which releasing always paid off with two threads running.
    pays = None
    for n in sorted(sizes, reverse=True):
        if rows[str(n)]["two_thread_gain"] < SPEEDUP_NEEDED:
            break
        pays = n
    return {"sizes": rows, "recommended_gil_release_min": pays}


def run(quick, log):
    lib = load_ctypes_lib()
    import _probe

    rounds, sample_ms = (3, 5.0) if quick else (9, 10.0)
    thread_sizes = THREAD_SIZES[::3] if quick else THREAD_SIZES
    gil_sizes = GIL_SIZES[::2] if quick else GIL_SIZES
    return {
        "threads": thread_crossover(lib, thread_sizes, rounds, sample_ms, log),
        "wake": helper_wake(lib, GAP_SIZES, 51 if quick else 201, log),
        "gil": gil_release(_probe, gil_sizes, rounds, sample_ms, log),
    }


if __name__ == "__main__":  # one process's figures for thread_crossover
    if sys.argv[1:2] == ["--threads-child"]:
        n, rounds, sample_ms = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
        print(json.dumps(one_and_two_threads(n, rounds, sample_ms)))
    else:
        sys.exit("usage: tuning.py --threads-child N ROUNDS SAMPLE_MS (bench/run.py runs the rest)")
