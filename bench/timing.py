"""Interleaved timing: every contender is measured in the same rounds, and reported as medians.

Why interleave: on a shared 2-core machine the speed of the CPU and the memory drifts
over seconds (other processes, frequency, the host). Timing contender A for ten seconds
and then B for ten would put that drift into the ratio A/B. Here each round times every
contender once, in a different order each round, so drift hits all of them alike, and
the median over rounds drops the rounds that a burst of noise spoiled.

Why unroll: the statement is repeated UNROLL times inside the timing loop (as if
written out by hand), so the `for` loop's own cost is spread over that many calls. What
remains in each figure is what a caller pays: loading the function and its arguments,
the call, and the work. Names are bound as locals, as in real code.
"""

import gc
import random
import statistics
from dataclasses import dataclass, field
from time import perf_counter_ns

UNROLL = 10


@dataclass
class Case:
    """One contender at one size: `stmt` is an expression over the names in `env`."""

    name: str
    stmt: str
    env: dict
    samples: list = field(default_factory=list)  # ns per call, one per round
    loops: int = 1
    _run: object = None
    _unroll: int = 1

    def compile(self, unroll):
        names = sorted(self.env)
        params = "".join(f", {n}={n}" for n in names)
        body = f"        {self.stmt}\n" * unroll
        src = f"def _run(_loops{params}):\n    for _ in range(_loops):\n{body}"
        namespace = dict(self.env)
        exec(src, namespace)  # noqa: S102 -- our own statements, as timeit does
        self._run, self._unroll = namespace["_run"], unroll

    def time_once(self):
        """ns per call over one sample of loops x unroll calls."""
        start = perf_counter_ns()
        self._run(self.loops)
        return (perf_counter_ns() - start) / (self.loops * self._unroll)

    @property
    def median(self):
        return statistics.median(self.samples)

    @property
    def spread(self):
        """Half the interquartile range over the median: how noisy the rounds were."""
        if len(self.samples) < 4:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.samples, n=4)
        return (q3 - q1) / 2 / self.median


def calibrate(case, sample_ns):
    """Pick the unroll and loop count that make one sample last about sample_ns."""
    case.compile(1)
    case.loops = 1
    case.time_once()  # warm-up: first-call costs, page faults, caches
    per_call = min(case.time_once() for _ in range(3))
    if per_call * UNROLL < sample_ns:
        case.compile(UNROLL)
    case.loops = max(1, round(sample_ns / (per_call * case._unroll)))


def run_rounds(cases, rounds, sample_ns, seed=0):
    """Time every case `rounds` times, interleaved in a shuffled order per round."""
    for case in cases:
        calibrate(case, sample_ns)
    order = list(cases)
    rng = random.Random(seed)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # as timeit: a collection in one sample would be charged to one contender
    try:
        for _ in range(rounds):
            rng.shuffle(order)
            for case in order:
                case.samples.append(case.time_once())
    finally:
        if gc_was_enabled:
            gc.enable()
    return cases
