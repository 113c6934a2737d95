"""vecdot.dot(a, b): every way to call it wrong gets a precise exception."""

import array
import fractions

import numpy as np
import pytest
import vecdot


class Boom(Exception):
    """Raised by the test's own objects: must reach the caller unchanged."""


class BadFloat:
    def __float__(self):
        raise Boom("from __float__")


class BadIter:
    def __iter__(self):
        raise Boom("from __iter__")


def failing_generator():
    yield 1.0
    yield 2.0
    raise Boom("from the generator")


class NotAFloat:
    def __float__(self):
        return "1.0"  # __float__ must return a float


ERRORS = [
    # (a, b, exception, message pattern); one-shot iterables are in the next test
    # -- lengths
    ([1, 2, 3], [1, 2, 3, 4], ValueError, r"^dot\(\) vectors have different lengths \(3 and 4\)$"),
    ([], [1.0], ValueError, r"different lengths \(0 and 1\)"),
    (np.zeros(5), np.zeros(4, dtype=np.float32), ValueError, r"different lengths \(5 and 4\)"),
    # -- elements that are not real numbers: position and type named
    ([1.0, "2"], [1.0, 2.0], TypeError, r"^dot\(\) argument a\[1\] must be a real number, not str$"),
    ([1.0, 2.0], [1.0, None], TypeError, r"argument b\[1\] must be a real number, not NoneType"),
    ([1j], [1.0], TypeError, r"argument a\[0\] must be a real number, not complex"),
    ([[1.0]], [1.0], TypeError, r"argument a\[0\] must be a real number, not list"),
    # -- not vectors at all
    (1.0, [1.0], TypeError, r"^dot\(\) argument a must be an iterable of numbers or a float buffer, not float$"),
    ([1.0], None, TypeError, r"argument b must be an iterable .* not NoneType"),
    # -- ints beyond float64
    ([10**400], [1.0], OverflowError, r"^dot\(\) argument a\[0\] is an int too large to convert to float$"),
    ([1.0, 2.0], [1, -(10**309)], OverflowError, r"argument b\[1\] is an int too large"),
    # -- buffers of the wrong shape or format
    (np.zeros((2, 2)), [1.0, 2.0], ValueError, r"^dot\(\) argument a must be 1-dimensional, not 2-dimensional$"),
    (np.float64(1.0).reshape(()), [1.0], ValueError, r"must be 1-dimensional, not 0-dimensional"),
    (np.zeros(2, dtype=np.float16), [1.0, 2.0], TypeError, r"unsupported buffer format 'e'; supported: 'd' and 'f'"),
    (np.zeros(2, dtype=np.complex128), [1.0, 2.0], TypeError, r"unsupported buffer format 'Zd'"),
    (np.zeros(2, dtype=np.longdouble), [1.0, 2.0], TypeError, r"unsupported buffer format 'g'"),
    (memoryview(b"abcd").cast("c"), [1.0] * 4, TypeError, r"unsupported buffer format 'c'"),
    (np.zeros(2, dtype="i1,i1"), [1.0, 2.0], TypeError, r"unsupported buffer format"),
    # -- buffers their exporter refuses to describe (numpy's ValueError, chained)
    ([1.0, 2.0], np.zeros(2, dtype="M8[s]"), TypeError,
     r"^dot\(\) argument b cannot be read as a buffer: cannot include dtype 'M' in a buffer$"),
    # -- exceptions raised by the caller's own objects pass through unchanged
    ([BadFloat()], [1.0], Boom, r"^from __float__$"),
    (BadIter(), [1.0], Boom, r"^from __iter__$"),
    ([NotAFloat()], [1.0], TypeError, r"__float__ returned non-float"),
]


@pytest.mark.parametrize("accurate", [False, True])
@pytest.mark.parametrize("a, b, exc, pattern", ERRORS, ids=[repr(e[3])[:50] for e in ERRORS])
def test_bad_input_raises_precisely(impl, a, b, exc, pattern, accurate):
    with pytest.raises(exc, match=pattern):
        impl.dot(a, b, accurate=accurate)


@pytest.mark.parametrize(
    "make_a, b, exc, pattern",
    [
        (lambda: (x for x in [1.0, 2.0, b"3"]), [1, 2, 3], TypeError, r"a\[2\] must be a real number, not bytes"),
        (failing_generator, [1.0, 2.0, 3.0], Boom, r"^from the generator$"),
        (lambda: iter([1.0]), array.array("d", [1, 2]), ValueError, r"different lengths \(1 and 2\)"),
    ],
)
def test_bad_iterables_raise_precisely(impl, make_a, b, exc, pattern):
    with pytest.raises(exc, match=pattern):
        impl.dot(make_a(), b)


@pytest.mark.parametrize(
    "kwargs, exc, pattern",
    [
        ({"threads": 0}, ValueError, r"threads must be at least 1"),
        ({"threads": -3}, ValueError, r"threads must be at least 1"),
        ({"threads": 1.5}, TypeError, r"threads must be an int or None"),
        ({"threads": True}, TypeError, r"threads must be an int or None"),
        ({"fast": True}, TypeError, r"unexpected keyword argument 'fast'"),
    ],
)
def test_bad_keyword_arguments(impl, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        impl.dot([1.0], [1.0], **kwargs)


@pytest.mark.parametrize("args", [(), ([1.0],), ([1.0], [1.0], [1.0])])
def test_exactly_two_positional_arguments(impl, args):
    with pytest.raises(TypeError):
        impl.dot(*args)


def test_vectors_are_positional_only(impl):
    with pytest.raises(TypeError):
        impl.dot(a=[1.0], b=[1.0])


class NoBool:
    def __bool__(self):
        raise Boom("from __bool__")


def test_accurate_truth_value_errors_propagate(impl):
    with pytest.raises(Boom):
        impl.dot([1.0], [1.0], accurate=NoBool())


def test_unexportable_buffer_error_is_chained_from_the_exporters():
    with pytest.raises(TypeError) as caught:
        vecdot.dot(np.zeros(2, dtype="M8[s]"), [1.0, 2.0])
    assert type(caught.value.__cause__) is ValueError
    assert caught.value.__suppress_context__


# Arguments are checked in one order, accurate, threads, a, b, then the lengths,
# and the first problem is the one raised: a bad keyword is reported before any
# vector is read (a generator is not consumed for nothing).
CHECK_ORDER = [
    # (keywords, a, b, exception, message pattern): every argument here is wrong
    # from the one that must be reported on
    ({"accurate": NoBool(), "threads": 0}, [1.0], ["x"], Boom, r"from __bool__"),
    ({"accurate": NoBool()}, ["x"], [1.0, 2.0], Boom, r"from __bool__"),
    ({"threads": 0}, ["x"], ["y"], ValueError, r"threads must be at least 1"),
    ({"threads": 1.5}, 1.0, [1.0], TypeError, r"threads must be an int"),
    ({}, ["x"], None, TypeError, r"argument a\[0\] must be a real number"),
    ({}, [1.0], ["x"], TypeError, r"argument b\[0\] must be a real number"),
    ({}, [1.0, 2.0], [BadFloat()], Boom, r"from __float__"),
]


@pytest.mark.parametrize("kwargs, a, b, exc, pattern", CHECK_ORDER)
def test_arguments_are_checked_in_order_accurate_threads_a_b(impl, kwargs, a, b, exc, pattern):
    with pytest.raises(exc, match=pattern):
        impl.dot(a, b, **kwargs)


def test_a_bad_keyword_leaves_generators_unread(impl):
    a = (x for x in [1.0, 2.0])
    with pytest.raises(ValueError, match="threads"):
        impl.dot(a, [1.0, 2.0], threads=0)
    assert list(a) == [1.0, 2.0]


def test_list_shrunk_by_an_items_float_is_an_error_not_a_crash(impl):
    victims = []

    class Shrinker:
        def __float__(self):
            victims.clear()  # drops every item, this one included
            return 1.0

    victims.extend([Shrinker(), 1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"argument a changed size during conversion"):
        impl.dot(victims, [1.0, 2.0, 3.0])


def test_fraction_too_large_for_float_propagates_its_overflow(impl):
    with pytest.raises(OverflowError):
        impl.dot([fractions.Fraction(10**400)], [1.0])
