"""vecdot.dot against numpy.dot on float64 buffers, each timed in blocks of its own.

The interleaved rounds of micro.py shield every contender from drift, but they
cannot be fair to two libraries that both use threads: after a call, OpenBLAS's
worker keeps spinning on the other core for a while, so whichever contender runs
next shares that core with it. A program calls one of them, not both in turn. So
here each library gets blocks of its own: WARM_S of warm-up calls (the other's
spinning threads go to sleep, caches and clocks settle), then a timed block of
BLOCK_S; vecdot and numpy alternate, and each figure is the median of the blocks'
per-call times.
"""

import statistics
import time

import numpy as np
import vecdot

SIZES = [10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000]
WARM_S = 0.2
BLOCK_S = 0.1


def _block(f, a, b, seconds):
    """Per-call seconds over a block of back-to-back calls lasting about `seconds`."""
    calls, start = 0, time.perf_counter()
    while True:
        f(a, b)
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / calls


def measure(sizes, rounds, log=print):
    contenders = {"vecdot": vecdot.dot, "numpy": np.dot}
    out = {}
    for n in sizes:
        rng = np.random.default_rng(n)
        a, b = rng.random(n), rng.random(n)
        want = vecdot.dot(a, b, accurate=True)
        for name, f in contenders.items():  # answers first
            assert abs(f(a, b) - want) <= 1e-12 * abs(want), name
        samples = {name: [] for name in contenders}
        for r in range(rounds):
            order = list(contenders) if r % 2 == 0 else list(reversed(contenders))
            for name in order:
                _block(contenders[name], a, b, WARM_S)
                samples[name].append(_block(contenders[name], a, b, BLOCK_S) * 1e9)
        row = {name: statistics.median(s) for name, s in samples.items()}
        row["numpy_over_vecdot"] = row["numpy"] / row["vecdot"]
        out[str(n)] = row
        log(f"  alone: n={n:>10,}  vecdot {row['vecdot'] / 1e3:9.1f} us  numpy "
            f"{row['numpy'] / 1e3:9.1f} us  numpy/vecdot {row['numpy_over_vecdot']:4.2f}x")
    return {"sizes": out, "warm_s": WARM_S, "block_s": BLOCK_S, "rounds": rounds}


def run(quick, log=print):
    return measure(SIZES[::2] if quick else SIZES, 3 if quick else 5, log)
