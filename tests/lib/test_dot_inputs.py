"""vecdot.dot(a, b): every kind of input it accepts, in both modes.

Each case's expected value is computed independently from plain Python
integers or fractions, never written by hand.
"""

import array
import decimal
import enum
import fractions
import inspect
import math

import numpy as np
import pytest
import vecdot
import vecdot._native
import vecdot._vecdot

A = [1.5, -2.0, 3.25, 4.0, -0.5]
B = [2.0, 0.5, -1.0, 8.0, 3.0]
EXPECTED = float(sum(fractions.Fraction(x) * fractions.Fraction(y) for x, y in zip(A, B, strict=True)))


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


class HasIndex:
    """Not a float, but an integer by __index__."""

    def __init__(self, value):
        self.value = value

    def __index__(self):
        return self.value


INPUT_KINDS = {
    # Python containers and iterables
    "list": lambda xs: list(xs),
    "tuple": lambda xs: tuple(xs),
    "generator": lambda xs: (x for x in xs),
    "iterator": lambda xs: iter(list(xs)),
    "list subclass": lambda xs: type("L", (list,), {})(xs),
    "dict keys": lambda xs: dict.fromkeys(xs).keys(),
    # float buffers, read in place
    "array d": lambda xs: array.array("d", xs),
    "array f": lambda xs: array.array("f", xs),
    "memoryview d": lambda xs: memoryview(array.array("d", xs)),
    "read-only memoryview": lambda xs: memoryview(array.array("d", xs)).toreadonly(),
    "numpy float64": lambda xs: np.array(xs, dtype=np.float64),
    "numpy float32": lambda xs: np.array(xs, dtype=np.float32),
    "numpy strided": lambda xs: np.repeat(np.array(xs), 3)[::3],
    "numpy reversed": lambda xs: np.array(xs[::-1])[::-1],
    "numpy column of 2-D": lambda xs: np.array([[x, 99.0] for x in xs])[:, 0],
    "numpy big-endian": lambda xs: np.array(xs, dtype=">f8"),
    "numpy read-only": lambda xs: np.frombuffer(np.array(xs).tobytes()),
    # numbers of other types, element by element
    "Fractions": lambda xs: [fractions.Fraction(x) for x in xs],
    "Decimals": lambda xs: [decimal.Decimal(x) for x in xs],
    "numpy scalars": lambda xs: [np.float64(x) for x in xs],
}


@pytest.mark.parametrize("kind_b", ["list", "array d", "numpy float64"])
@pytest.mark.parametrize("kind_a", sorted(INPUT_KINDS))
@pytest.mark.parametrize("accurate", [False, True])
def test_every_input_kind_gives_the_same_result(impl, kind_a, kind_b, accurate):
    a = INPUT_KINDS[kind_a](A)
    b = INPUT_KINDS[kind_b](B)
    assert impl.dot(a, b, accurate=accurate) == EXPECTED


INTEGER_VECTORS = {
    # integers exactly representable: both modes must be exact
    "ints": [3, -4, 5],
    "bools": [True, False, True],
    "IntEnum": [Color.RED, Color.GREEN, Color.RED],
    "__index__ objects": [HasIndex(3), HasIndex(-4), HasIndex(5)],
    "range": range(3, 6),
    "numpy int64 array": np.array([3, -4, 5], dtype=np.int64),
    "numpy uint8 array": np.array([3, 4, 5], dtype=np.uint8),
    "numpy int16 strided": np.array([3, 0, -4, 0, 5, 0], dtype=np.int16)[::2],
    "numpy bool array": np.array([True, False, True]),
    "array of signed char": array.array("b", [3, -4, 5]),
    "array of unsigned long long": array.array("Q", [3, 4, 5]),
    "bytes": bytes([3, 4, 5]),
    "bytearray": bytearray([3, 4, 5]),
    "numpy big-endian int32": np.array([3, -4, 5], dtype=">i4"),
}


@pytest.mark.parametrize("name", sorted(INTEGER_VECTORS))
@pytest.mark.parametrize("accurate", [False, True])
def test_integer_elements_and_integer_buffers(impl, name, accurate):
    a = INTEGER_VECTORS[name]
    values = [int(x) for x in a]
    weights = [7, 11, 13]
    assert impl.dot(a, weights, accurate=accurate) == sum(x * w for x, w in zip(values, weights, strict=True))


def test_large_ints_round_like_float(impl):
    big = 2**60 + 1  # not representable: rounds as float() rounds it
    assert impl.dot([big], [1]) == float(big)
    assert impl.dot(np.array([big], dtype=np.uint64), [1]) == float(big)


@pytest.mark.parametrize(
    "a, b",
    [
        ([], []),
        ((), ()),
        (array.array("d"), []),
        (np.array([]), np.array([], dtype=np.float32)),
        (iter([]), range(0)),
    ],
)
@pytest.mark.parametrize("accurate", [False, True])
def test_empty_vectors_give_zero(impl, a, b, accurate):
    result = impl.dot(a, b, accurate=accurate)
    assert result == 0.0 and type(result) is float


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ([float("inf"), 1.0], [1.0, 2.0], float("inf")),
        ([float("-inf"), 1.0], [1.0, 2.0], float("-inf")),
        ([float("inf")], [-1.0], float("-inf")),
        ([float("nan"), 1.0], [1.0, 2.0], float("nan")),
        ([float("inf"), 1.0], [0.0, 2.0], float("nan")),  # inf * 0
        ([float("inf"), float("inf")], [1.0, -1.0], float("nan")),  # inf - inf
    ],
)
@pytest.mark.parametrize("accurate", [False, True])
def test_inf_and_nan_follow_ieee(impl, a, b, expected, accurate):
    result = impl.dot(a, b, accurate=accurate)
    if expected != expected:
        assert result != result
    else:
        assert result == expected


# The sign of a zero result (README, API): a zero sum is +0.0 in both modes, as
# math.sumprod and math.fsum give (numpy gives -0.0 for [-0.0] . [1.0]); only the
# exact mode gives -0.0, for a negative sum too small for float64, as correct
# rounding requires. (-0.0 == 0.0, so the sign is compared on its own.)
ZERO_SIGNS = [
    ([-0.0], [1.0], False, 1.0),  # one product of -0.0
    ([-0.0], [1.0], True, 1.0),
    ([-0.0, -0.0], [1.0, 5.0], False, 1.0),  # every product -0.0
    ([-0.0, -0.0], [1.0, 5.0], True, 1.0),
    ([1.0, -1.0], [3.0, 3.0], False, 1.0),  # products that cancel
    ([1.0, -1.0], [3.0, 3.0], True, 1.0),
    ([-(2.0**-600)], [2.0**-600], False, 1.0),  # the product underflows to -0.0
    ([-(2.0**-600)], [2.0**-600], True, -1.0),  # exactly -2^-1200: rounds to -0.0
]


@pytest.mark.parametrize("a, b, accurate, sign", ZERO_SIGNS)
def test_sign_of_a_zero_result(impl, a, b, accurate, sign):
    result = impl.dot(a, b, accurate=accurate)
    assert result == 0.0 and math.copysign(1.0, result) == sign


@pytest.mark.parametrize("accurate", [False, True])
def test_zero_sum_of_a_long_vector_is_positive_zero(impl, accurate):
    # Chunk sums added in order, and with threads: still +0.0.
    n = 3 * vecdot._vecdot.CHUNK_SIZE
    result = impl.dot(np.full(n, -0.0), np.ones(n), accurate=accurate, threads=3)
    assert result == 0.0 and math.copysign(1.0, result) == 1.0


def test_same_object_for_both_arguments(impl):
    x = np.arange(100.0)
    assert impl.dot(x, x) == float(sum(i * i for i in range(100)))


def test_unaligned_float64_buffer(impl):
    raw = bytearray(8 * 5 + 1)
    view = memoryview(raw)[1:].cast("d")  # an odd address: read with memcpy
    for i, x in enumerate(A):
        view[i] = x
    assert impl.dot(view, B) == EXPECTED
    assert impl.dot(view, B, accurate=True) == EXPECTED


@pytest.mark.parametrize("accurate", [False, True])
def test_accurate_flag_takes_any_truth_value(impl, accurate):
    a, b = [1e16, 1.0, -1e16], [1.0, 1.0, 1.0]
    # (1e16 + 1) - 1e16 is 0 in float64; only the exact mode sees the 1.
    assert impl.dot(a, b, accurate=accurate) == impl.dot(a, b, accurate=int(accurate))


@pytest.mark.parametrize("threads", [None, 1, 2, 3, 64, 1000])
def test_threads_change_nothing_for_exact_sums(impl, threads):
    n = 32 * vecdot._vecdot.MIN_PER_THREAD + 1001  # enough for 32 threads and a ragged tail
    a = np.arange(n, dtype=np.float64) % 1000
    b = np.ones(n)
    expected = sum(i % 1000 for i in range(n))
    assert impl.dot(a, b, threads=threads) == expected


@pytest.mark.c_only  # the C functions' text signatures
def test_signature_is_introspectable():
    sig = inspect.signature(vecdot.dot)
    assert str(sig) == "(a, b, /, *, accurate=False, threads=None)"
    assert str(inspect.signature(vecdot.hello)) == "(name='world', /)"
    assert str(inspect.signature(vecdot.parse)) == "(text, /)"


@pytest.mark.c_only  # compares the two backends
def test_native_reference_has_the_same_signatures():
    for name in ("dot", "hello", "parse"):
        c_sig = inspect.signature(getattr(vecdot, name))
        py_sig = inspect.signature(getattr(vecdot._native, name))
        assert [(p.name, p.kind, p.default) for p in c_sig.parameters.values()] == [
            (p.name, p.kind, p.default) for p in py_sig.parameters.values()
        ]
