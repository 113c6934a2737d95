"""Which dot products come back correctly rounded: math.sumprod against vecdot accurate=True.

Issue 5 asks that accurate=True be "at least as fast as math.sumprod while being
correctly rounded where sumprod is not". This shows the second half: on ill-conditioned
vectors (large terms that cancel, leaving small ones; condition numbers past 1e100),
each result is compared with the exact dot product, computed with fractions.Fraction and
rounded once. Needs Python 3.12+ for sumprod (bench/run.py runs it in the image).

    python bench/rounding.py [--cases 300]   (prints JSON)
"""

import argparse
import json
import math
import random
import sys
from fractions import Fraction

import vecdot


def ill_conditioned(rng, n, big_exp, small_exp):
    """n terms whose large parts (up to 2**big_exp) cancel exactly, leaving small ones
    (down to 2**-small_exp), in a shuffled order."""
    half = n // 3
    big = [rng.uniform(-1, 1) * 2.0 ** rng.randint(0, big_exp) for _ in range(half)]
    small = [rng.uniform(-1, 1) * 2.0 ** rng.randint(-small_exp, 0) for _ in range(n - 2 * half)]
    a = big + [-x for x in big] + small
    b = [1.0] * (2 * half) + [rng.uniform(-1, 1) for _ in small]
    # Scale each pair by a power of two (a*s, b/s): every product keeps its exact value,
    # but the vectors no longer show the cancellation in plain sight.
    scale = [2.0 ** rng.randint(-4, 4) for _ in range(n)]
    a = [x * s for x, s in zip(a, scale, strict=True)]
    b = [y / s for y, s in zip(b, scale, strict=True)]
    order = list(range(n))
    rng.shuffle(order)
    return [a[i] for i in order], [b[i] for i in order]


def condition(a, b, exact):
    total = sum(abs(Fraction(x) * Fraction(y)) for x, y in zip(a, b, strict=True))
    return float(total / abs(exact)) if exact else math.inf


# Exponent spans of the two families: 140 bits, which double-double arithmetic (106
# bits) cannot hold; and 800 bits, more than any fixed extended precision holds. Both
# stay far from overflow and underflow.
FAMILIES = {"exponents over 140 bits": (60, 80), "exponents over 800 bits": (400, 400)}


def run(cases, seed=7):
    rng = random.Random(seed)
    result = {"python": sys.version.split()[0], "cases": cases, "families": {}}
    for family, (big_exp, small_exp) in FAMILIES.items():
        wrong = {"sumprod": 0, "vecdot accurate": 0, "vecdot fast": 0}
        worst_condition = 0.0
        for _ in range(cases):
            a, b = ill_conditioned(rng, rng.randint(6, 200), big_exp, small_exp)
            exact = sum(Fraction(x) * Fraction(y) for x, y in zip(a, b, strict=True))
            correct = float(exact)
            worst_condition = max(worst_condition, condition(a, b, exact))
            wrong["sumprod"] += math.sumprod(a, b) != correct
            wrong["vecdot accurate"] += vecdot.dot(a, b, accurate=True) != correct
            wrong["vecdot fast"] += vecdot.dot(a, b) != correct
        result["families"][family] = {"wrong": wrong, "max_condition": worst_condition}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()
    print(json.dumps(run(args.cases)))


if __name__ == "__main__":
    main()
