"""vecdot.parse per value on 10^5 random numbers, beside float(): ns, and instructions by callgrind.

Issue 13's parser target is judged on 17-digit values ("-0.54588900965815193": every one
needs more than 53 bits, so none takes the short-decimal fast path); shortest reprs of the
same kind of numbers (`repr(random.uniform(-1, 1))`, 16 or 17 digits, what Python clients
and JSON encoders send) are measured too. For each shape, a comma-separated text of N values:

- ns per value: `vecdot.parse(text)` against `list(map(float, fields))` over the same
  values already split, each timed in a fresh process of its own (best of REPEATS calls
  there), the contenders interleaved over several rounds, best round kept;
- instructions per value: the same calls under `valgrind --tool=callgrind` on COUNT_N
  values, a run that makes the call minus one that only builds the text, per value.

    .venv/bin/python bench/parse_speed.py [--quick] [--baseline DIR]

--baseline DIR adds the vecdot found in DIR (e.g. `pip install --target DIR` of another
tree's lib/) as a third contender, for before/after figures from one run.
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import instructions

N = 100_000
# callgrind runs ~50 times slower: it counts over fewer values (the count per value
# hardly moves with N; the text's building is in both runs and cancels).
COUNT_N = 20_000
REPEATS = 20
SHAPES = {
    "digits17": "17 significant digits",
    "repr": "shortest repr of uniform(-1, 1)",
}


def values(shape, n):
    rng = random.Random(13)
    if shape == "digits17":
        return [f"{rng.choice(('-', ''))}0.{rng.randrange(10**16, 10**17)}" for _ in range(n)]
    return [repr(rng.uniform(-1, 1)) for _ in range(n)]


# Each contender: (setup after `fields` and `text` exist, the statement timed).
CONTENDERS = {
    "vecdot.parse": ("from vecdot import parse as f", "f(text)"),
    "float()": ("f = float", "list(map(f, fields))"),
}


def child(contender, shape, baseline, repeats, n):
    """Run in a fresh process: ns per value, best of `repeats` calls (0: build the text only)."""
    if baseline:
        sys.path.insert(0, baseline)
    fields = values(shape, n)
    text = ",".join(fields)
    setup, stmt = CONTENDERS[contender]
    env = {"fields": fields, "text": text}
    exec(setup, env)  # noqa: S102 -- our own statements
    call = eval(f"lambda: {stmt}", env)  # noqa: S307
    if repeats == 0:
        return None
    call()  # warm-up: first-call costs, page faults
    best = None
    for _ in range(repeats):
        start = time.perf_counter_ns()
        call()
        elapsed = time.perf_counter_ns() - start
        best = elapsed if best is None else min(best, elapsed)
    return best / n


def child_command(contender, shape, baseline, repeats, n=N):
    cmd = [sys.executable, __file__, "--child", contender, "--shape", shape, "--repeats", str(repeats),
           "--n", str(n)]
    return cmd + (["--baseline", baseline] if baseline else [])


def contenders(baseline):
    """[(label, contender, baseline dir or None)]."""
    out = [(name, name, None) for name in CONTENDERS]
    if baseline:
        out.append((f"vecdot.parse ({baseline})", "vecdot.parse", baseline))
    return out


def time_all(rounds, baseline, log):
    """{shape: {label: ns per value}}: the best round of each, every process fresh."""
    best = {}
    for r in range(rounds):
        order = [(s, c) for s in SHAPES for c in contenders(baseline)]
        random.Random(r).shuffle(order)
        for shape, (label, contender, base) in order:
            out = subprocess.run(child_command(contender, shape, base, REPEATS),
                                 capture_output=True, text=True, check=True, timeout=300).stdout
            ns = json.loads(out)
            row = best.setdefault(shape, {})
            row[label] = min(ns, row.get(label, ns))
        log(f"  round {r + 1}/{rounds}: " + "; ".join(
            f"{shape} " + ", ".join(f"{k} {v:.1f} ns" for k, v in row.items()) for shape, row in best.items()))
    return best


def count_all(baseline, log):
    """{shape: {label: instructions per value}} under callgrind: one call minus none."""
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for shape in SHAPES:
            for label, contender, base in contenders(baseline):
                counts = []
                for repeats in (0, 1):
                    out_file = Path(tmp) / f"{shape}.{len(result)}.{repeats}"
                    cmd = child_command(contender, shape, base, repeats, COUNT_N)
                    proc = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                                           *cmd], capture_output=True, text=True, timeout=900)
                    if proc.returncode != 0:
                        raise RuntimeError(f"callgrind on {label} failed:\n{proc.stderr[-2000:]}")
                    counts.append(instructions.total(out_file))
                # The one call also makes its warm-up call: two calls' worth.
                result.setdefault(shape, {})[label] = (counts[1] - counts[0]) / (2 * COUNT_N)
            log(f"  instructions per value, {shape}: "
                + ", ".join(f"{k} {v:,.0f}" for k, v in result[shape].items()))
    return result


def run(quick, log, baseline=None):
    return {"n": N, "count_n": COUNT_N, "shapes": SHAPES,
            "ns_per_value": time_all(2 if quick else 5, baseline, log),
            "instructions_per_value": count_all(baseline, log)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--baseline", metavar="DIR", help="also time the vecdot installed in DIR")
    parser.add_argument("--child", choices=list(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--shape", choices=list(SHAPES), help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=REPEATS, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=N, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.shape, args.baseline, args.repeats, args.n)))
    else:
        print(json.dumps(run(args.quick, lambda m: print(m, file=sys.stderr, flush=True), args.baseline),
                         indent=1))


if __name__ == "__main__":
    main()
