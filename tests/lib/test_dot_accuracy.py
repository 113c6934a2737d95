"""How close each mode is to the exact dot product, checked against Fractions.

accurate=True must equal the exact value rounded once to the nearest float
for every condition number; the fast mode must stay within its documented
bound and match the pure-Python reference bit for bit. Each test runs on both
backends (tests/lib/conftest.py), except those that compare the two.
"""

import math
import random
from fractions import Fraction

import numpy as np
import pytest
import vecdot
import vecdot._native
import vecdot._vecdot
from hypothesis import given, settings
from hypothesis import strategies as st

U = Fraction(1, 2**53)  # unit roundoff of float64


OVERFLOW = Fraction(2**1024 - 2**970)  # DBL_MAX + half an ulp: rounds to inf


def exact_rounded(a, b):
    """The oracle: the exact sum in Fractions, rounded once by float(), or the
    infinity it rounds to when it is beyond float64's range."""
    total = sum(Fraction(x) * Fraction(y) for x, y in zip(a, b, strict=True))
    if abs(total) >= OVERFLOW:
        return math.inf if total > 0 else -math.inf
    return float(total)


def gendot(n, condition, rng):
    """Vectors whose dot product has about the given condition number
    (Ogita, Rump and Oishi, "Accurate sum and dot product", 2005, Alg. 6.1):
    half random with spread exponents, half chosen to cancel it."""
    half = n // 2
    b_exp = math.log2(condition)
    exps = [rng.randint(0, int(b_exp / 2)) for _ in range(half)]
    exps[0], exps[-1] = round(b_exp / 2) + 1, 0
    x = [(2 * rng.random() - 1) * 2.0**e for e in exps]
    y = [(2 * rng.random() - 1) * 2.0**e for e in exps]
    partial = sum(Fraction(p) * Fraction(q) for p, q in zip(x, y, strict=True))
    for e in np.linspace(b_exp / 2, 0, n - half):
        xi = (2 * rng.random() - 1) * 2.0 ** round(e)
        yi = ((2 * rng.random() - 1) * 2.0 ** round(e) - float(partial)) / xi
        x.append(xi)
        y.append(yi)
        partial += Fraction(xi) * Fraction(yi)
    order = list(range(n))
    rng.shuffle(order)
    return [x[i] for i in order], [y[i] for i in order]


# ---- accurate=True: correctly rounded ---------------------------------------


@pytest.mark.parametrize("log10_condition", [0, 8, 16, 24, 32, 48, 64, 100, 150, 200, 300])
@pytest.mark.parametrize("n", [2, 7, 50, 1000, pytest.param(5000, marks=pytest.mark.slow)])
def test_accurate_is_correctly_rounded_at_any_condition_number(impl, n, log10_condition):
    rng = random.Random(n * 1000 + log10_condition)
    for _ in range(5):
        a, b = gendot(n, 10.0**log10_condition, rng)
        assert impl.dot(a, b, accurate=True) == exact_rounded(a, b)


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(finite, finite), max_size=40))
def test_accurate_is_correctly_rounded_for_any_finite_floats(impl, pairs):
    # Any finite values: huge products that overflow float64 and tiny ones
    # that underflow are still summed exactly.
    a = [p for p, _ in pairs]
    b = [q for _, q in pairs]
    got, want = impl.dot(a, b, accurate=True), exact_rounded(a, b)
    assert got == want and math.copysign(1, got) == math.copysign(1, want)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=200),
    st.randoms(use_true_random=False),
)
def test_accurate_survives_cancelling_pairs(impl, values, rng):
    # x*y and (-x)*y cancel exactly; what is left is one small term.
    a = values + [-v for v in values] + [1.0]
    b = values + values + [2.0**-40]
    pairs = list(zip(a, b, strict=True))
    rng.shuffle(pairs)
    a, b = [p for p, _ in pairs], [q for _, q in pairs]
    assert impl.dot(a, b, accurate=True) == 2.0**-40


@pytest.mark.slow
def test_accurate_on_large_buffers_uses_every_element(impl):
    rng = np.random.default_rng(7)
    a = rng.standard_normal(300_001)
    b = rng.standard_normal(300_001)
    assert impl.dot(a, b, accurate=True) == exact_rounded(a.tolist(), b.tolist())


def test_accurate_float32_buffers_are_exact(impl):
    rng = np.random.default_rng(8)
    a = rng.standard_normal(10_000).astype(np.float32)
    b = rng.standard_normal(10_000).astype(np.float32)
    expected = exact_rounded([float(x) for x in a], [float(y) for y in b])
    assert impl.dot(a, b, accurate=True) == expected


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ([1e300, 1e300], [1e300, -1e300], 0.0),  # products overflow, sum is 0
        ([1.7976931348623157e308] * 2, [1.0, 1.0], math.inf),  # true sum overflows
        ([1.7976931348623157e308] * 3, [1.0, 1.0, -1.0], 1.7976931348623157e308),
        ([2.0**-540] * 64, [2.0**-540] * 64, 2.0**-1074),  # 64 underflowing products
        ([2.0**-540] * 32, [2.0**-540] * 32, 0.0),  # exactly half the least subnormal
        ([1.0, 2.0**-53, 2.0**-106], [1.0, 1.0, 1.0], 1.0 + 2.0**-52),  # breaks a tie
    ],
)
def test_accurate_edge_cases(impl, a, b, expected):
    assert impl.dot(a, b, accurate=True) == expected


# ---- accurate=True on threads: the same correctly rounded bits ----------------

CHUNK = vecdot._vecdot.CHUNK_SIZE
THREADS = (1, 2, 3, 8)  # one, an even and an odd split, more than the cores


def on_threads(impl, a, b):
    """accurate=True on each thread count of THREADS, float64 buffers."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return [impl.dot(x, y, accurate=True, threads=t) for t in THREADS]


@pytest.mark.slow  # vectors of several chunks: seconds each on the pure-Python backend
@pytest.mark.parametrize("log10_condition", [0, 16, 100, 300])
def test_accurate_on_threads_is_correctly_rounded_at_any_condition_number(impl, log10_condition):
    # Three chunks and a tail: threads share the compensated pass and, when it
    # cannot vouch for its result, the exact sum.
    a, b = gendot(3 * CHUNK + 77, 10.0**log10_condition, random.Random(log10_condition))
    assert on_threads(impl, a, b) == [exact_rounded(a, b)] * len(THREADS)


@pytest.mark.slow  # vectors of several chunks: seconds each on the pure-Python backend
def test_accurate_on_threads_with_one_ill_conditioned_chunk(impl):
    # Well-conditioned everywhere but chunk 2, where products near 1e200
    # cancel in pairs and leave the other chunks' sum to be found exactly.
    rng = np.random.default_rng(11)
    a, b = rng.random(4 * CHUNK + 5), rng.random(4 * CHUNK + 5)
    lo, hi = 2 * CHUNK, 3 * CHUNK
    a[lo:hi:2] = rng.random(CHUNK // 2) * 1e200
    a[lo + 1 : hi : 2] = -a[lo:hi:2]
    b[lo + 1 : hi : 2] = b[lo:hi:2]
    want = exact_rounded(a.tolist(), b.tolist())
    assert on_threads(impl, a, b) == [want] * len(THREADS)


@pytest.mark.slow  # vectors of several chunks: seconds each on the pure-Python backend
@pytest.mark.parametrize(
    "special, at, expected",
    [
        (math.inf, 3 * CHUNK + 1, math.inf),
        (-math.inf, 3 * CHUNK + 1, -math.inf),
        (math.nan, 3 * CHUNK + 1, "nan"),
        (math.inf, 0, "nan"),  # inf times b[0] == 0
    ],
)
def test_accurate_on_threads_with_a_special_in_one_chunk(impl, special, at, expected):
    a, b = np.ones(4 * CHUNK + 5), np.arange(4 * CHUNK + 5, dtype=float)
    a[at] = special
    got = on_threads(impl, a, b)
    assert all(math.isnan(g) for g in got) if expected == "nan" else got == [expected] * len(THREADS)


@pytest.mark.slow  # vectors of several chunks: seconds each on the pure-Python backend
@pytest.mark.parametrize(
    "big, expected",
    [
        ([1.0, 1.0, -1.0, -0.5], 0.5 * 1.7976931348623157e308),  # a partial sum overflows
        ([1.0, 1.0, 0.25, 0.0], math.inf),  # the sum itself does
        ([-1.0, -1.0, -0.25, 0.0], -math.inf),
    ],
)
def test_accurate_on_threads_when_chunk_sums_overflow(impl, big, expected):
    # DBL_MAX times each factor, in four different chunks, among zeros.
    a, b = np.zeros(4 * CHUNK + 5), np.ones(4 * CHUNK + 5)
    a[[1, CHUNK + 1, 2 * CHUNK + 1, 4 * CHUNK + 1]] = [1.7976931348623157e308 * f for f in big]
    assert on_threads(impl, a, b) == [expected] * len(THREADS)


# ---- fast mode: bounded error, same bits as the reference --------------------


# Moderate numbers whose products stay normal: below 2^-1022 a product
# loses absolute, not relative, accuracy and the bound does not apply.
moderate = st.floats(-1e100, 1e100).map(lambda v: 0.0 if abs(v) < 1e-140 else v)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(moderate, moderate), max_size=300))
def test_fast_is_within_its_documented_error_bound(impl, pairs):
    a = [p for p, _ in pairs]
    b = [q for _, q in pairs]
    n = len(pairs)
    exact = sum(Fraction(x) * Fraction(y) for x, y in pairs)
    magnitude = sum(abs(Fraction(x) * Fraction(y)) for x, y in pairs)
    # gamma(ceil(min(n, CHUNK_SIZE)/LANES) + 4 + ceil(n/CHUNK_SIZE)) (README, Accuracy)
    chunk, lanes = vecdot._vecdot.CHUNK_SIZE, vecdot._vecdot.LANES
    k = -(-min(n, chunk) // lanes) + 4 + -(-n // chunk)
    gamma = k * U / (1 - k * U)
    assert abs(Fraction(impl.dot(a, b)) - exact) <= gamma * magnitude


@pytest.mark.c_only  # compares the two backends
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(finite, finite), max_size=100))
def test_fast_matches_the_reference_bit_for_bit(pairs):
    a = [p for p, _ in pairs]
    b = [q for _, q in pairs]
    got, want = vecdot.dot(a, b), vecdot._native.dot(a, b)
    assert got == want or (got != got and want != want)
    if got == 0:
        assert math.copysign(1, got) == math.copysign(1, want)


@pytest.mark.c_only  # compares the two backends
@pytest.mark.parametrize("threads", [1, 2, 3, 4])
def test_fast_with_threads_matches_the_reference(threads):
    rng = np.random.default_rng(threads)
    a = rng.standard_normal(600_000)
    b = rng.standard_normal(600_000)
    expected = vecdot._native.dot(a.tolist(), b.tolist(), threads=threads)
    assert vecdot.dot(a, b, threads=threads) == expected
