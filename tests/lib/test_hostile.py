"""Hostile input for every entry point: a correct result or a precise exception, never a crash.

Hypothesis builds arguments no caller should send: numbers of every kind and size,
objects whose __float__/__index__ lie, raise or return the wrong type, containers
that fail midway, and buffers of every format, byte order, stride and shape. Each
call must do exactly what the pure-Python reference (vecdot._native) does: the same
float, bit for bit, or an exception of the same type with the same message. Never a
SystemError, which would mean the C code returned NULL without an exception.

Cases that could crash the interpreter if the C code were wrong (objects that mutate
or free the very container being converted, threads racing on it, signals,
allocations that cannot succeed) run in a child process, so a crash is a failed test
rather than a dead pytest.

VECDOT_HOSTILE_EXAMPLES (default 300) sets the examples per property.
"""

import array
import ctypes
import fractions
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import vecdot
import vecdot._native as native
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# Casting numpy complex values to float warns in both implementations alike.
# Each test calls both backends itself (or crashes C on purpose): it runs once.
pytestmark = [pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning"), pytest.mark.c_only]

EXAMPLES = int(os.environ.get("VECDOT_HOSTILE_EXAMPLES", "300"))
hostile = settings(max_examples=EXAMPLES, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class Boom(Exception):
    """Raised by the hostile objects below; must reach the caller unchanged."""


# ---- numbers that are not plain floats ---------------------------------------


class FloatSub(float):
    def __float__(self):  # ignored: a float's stored value is what dot() reads
        return 42.0


class IntSub(int):
    def __float__(self):  # honoured: int subclasses may change their float value
        return -1.5


class IntIndexSub(int):
    def __index__(self):
        return 7


class HasFloat:
    def __init__(self, value):
        self.value = value

    def __float__(self):
        return self.value


class HasIndex:
    def __init__(self, value):
        self.value = value

    def __index__(self):
        return self.value


class FloatRaises:
    def __float__(self):
        raise Boom("from __float__")


class IndexRaises:
    def __index__(self):
        raise Boom("from __index__")


class FloatIsNone:
    __float__ = None


def odd_numbers():
    finite = st.floats(allow_nan=False, allow_infinity=False)
    return st.one_of(
        finite.map(FloatSub),
        st.integers(-(2**70), 2**70).map(IntSub),
        st.integers(-(2**70), 2**70).map(IntIndexSub),
        st.floats().map(HasFloat),
        st.integers(-(2**1100), 2**1100).map(HasIndex),
        st.sampled_from([1, "1.0", None, 2.5]).map(HasFloat),   # __float__ returns a non-float
        st.sampled_from([1.5, "1", None]).map(HasIndex),        # __index__ returns a non-int
        st.builds(FloatRaises), st.builds(IndexRaises), st.builds(FloatIsNone),
    )


def numbers():
    """Anything a caller might put in a vector, real numbers or not."""
    return st.one_of(
        st.floats(),                                       # nan, inf, -0.0, subnormals
        st.integers(),
        st.integers(-(2**1100), 2**1100),                  # past float64's range
        st.booleans(),
        st.fractions(),
        st.decimals(),                                     # nan, snan, inf, huge exponents
        st.builds(fractions.Fraction, st.integers(-(10**400), 10**400), st.integers(1, 10**5)),
        st.floats(width=32).map(np.float32), st.floats(width=16).map(np.float16),
        st.integers(-(2**63), 2**63 - 1).map(np.int64), st.integers(0, 255).map(np.uint8),
        st.booleans().map(np.bool_),
        odd_numbers(),
        st.sampled_from([None, "1.0", b"1", complex(1, 2), object(), [], {}, np.complex128(1)]),
    )


# ---- containers ------------------------------------------------------------------


class RaisingIterable:
    """Yields `items`, then raises Boom."""

    def __init__(self, items):
        self.items = items

    def __iter__(self):
        yield from self.items
        raise Boom("from the iterator")


class OldSequence:
    """Iterable only through __getitem__ (the pre-__iter__ protocol)."""

    def __init__(self, items):
        self.items = items

    def __getitem__(self, i):
        return self.items[i]


class NotIterable:
    __iter__ = None


class Fresh:
    """Makes the same argument anew for each call: generators and iterators are used up
    by the first implementation that reads them, so each gets its own."""

    def __init__(self, make, value, label):
        self.make, self.value, self.label = make, value, label

    def __call__(self):
        return self.make(self.value)

    def __repr__(self):
        return f"{self.label}({self.value!r})"


CONTAINERS = {
    "list": list, "tuple": tuple, "generator": lambda xs: (x for x in xs),
    "iterator": lambda xs: iter(list(xs)), "list subclass": type("ListSub", (list,), {}),
    "old sequence": OldSequence, "raising iterable": RaisingIterable,
}


def containers(items):
    """The same items in each kind of container dot() reads one item at a time."""
    return st.sampled_from(sorted(CONTAINERS)).map(lambda kind: Fresh(CONTAINERS[kind], items, kind))


def as_is(strategy):
    return strategy.map(lambda value: Fresh(lambda v: v, value, "as is"))


# ---- buffers ---------------------------------------------------------------------

DTYPES = [f"{order}{code}" for order in "<>" for code in
          ("f8", "f4", "f2", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "c8", "c16")]
DTYPES += ["?", "g", "O", "M8[s]", "i1,i1"]


@st.composite
def numpy_vectors(draw):
    """A numpy array of any dtype, sliced with any step, maybe read-only, 0-d or 2-d."""
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    if dtype.kind in "OMV":
        base = np.zeros(draw(st.integers(0, 8)), dtype=dtype)
    else:
        base = draw(hnp.arrays(dtype, st.integers(0, 40), elements=hnp.from_dtype(dtype)))
    start = draw(st.integers(0, 3))
    step = draw(st.sampled_from([1, 1, 2, 3, -1, -2]))
    view = base[start::step] if step > 0 else base[::step][start:]
    shape = draw(st.sampled_from(["1-d", "1-d", "0-d", "2-d", "broadcast"]))
    if shape == "0-d" and view.size:
        view = view[0, ...]
    elif shape == "2-d":
        view = view.reshape(1, -1)
    elif shape == "broadcast" and view.size:
        view = np.broadcast_to(view[:1], (draw(st.integers(1, 30)),))   # stride 0
    if draw(st.booleans()) and isinstance(view, np.ndarray):
        view.flags.writeable = False
    return view


CASTS = "bBhHiIlLqQnNfd?c"


@st.composite
def memoryview_vectors(draw):
    """Raw bytes seen as any format through memoryview.cast, sliced, maybe 2-d."""
    fmt = draw(st.sampled_from(CASTS))
    size = struct.calcsize(fmt)
    raw = draw(st.binary(max_size=160))
    raw = raw[: len(raw) // size * size]
    if draw(st.booleans()):
        raw = bytes(raw)
    else:
        raw = bytearray(raw)
    view = memoryview(raw).cast(fmt)
    how = draw(st.sampled_from(["plain", "step", "reversed", "2-d", "read-only"]))
    if how == "step":
        view = view[:: draw(st.integers(2, 4))]
    elif how == "reversed":
        view = view[::-1]
    elif how == "2-d" and len(view) % 2 == 0 and len(view):
        view = view.cast("B").cast(fmt, (2, len(view) // 2))
    elif how == "read-only":
        view = view.toreadonly()
    return view


def array_vectors():
    codes = st.sampled_from("bBuhHiIlLqQfd")

    @st.composite
    def build(draw):
        code = draw(codes)
        if code == "u":
            # Deprecated since 3.13, but still exported with format "u" or "w": keep it.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return array.array("u", draw(st.text(max_size=10)))
        if code in "fd":
            values = draw(st.lists(st.floats(width=32 if code == "f" else 64), max_size=30))
        else:
            info = array.array(code).itemsize * 8
            lo, hi = (0, 2**info - 1) if code.isupper() else (-(2 ** (info - 1)), 2 ** (info - 1) - 1)
            values = draw(st.lists(st.integers(lo, hi), max_size=30))
        return array.array(code, values)

    return build()


def ctypes_vectors():
    types = [ctypes.c_double, ctypes.c_float, ctypes.c_int8, ctypes.c_uint64, ctypes.c_bool,
             ctypes.c_longdouble, ctypes.c_char]
    return st.builds(lambda t, n: (t * n)(), st.sampled_from(types), st.integers(0, 10))


def vectors():
    """Any first or second argument of dot(), as a Fresh maker."""
    return st.one_of(
        st.lists(numbers(), max_size=20).flatmap(containers),
        as_is(st.lists(st.floats(), max_size=40)),
        as_is(st.one_of(numpy_vectors(), memoryview_vectors(), array_vectors(), ctypes_vectors(),
                        st.binary(max_size=20))),
        as_is(st.sampled_from([None, 1.5, 3, "", "12", {1.0: 2}, {2.5}, NotIterable(), object()])),
    )


# ---- comparing outcomes ------------------------------------------------------------


def outcome(call):
    """("ok", value) or ("error", exception), with warnings as they come."""
    try:
        return "ok", call()
    except Exception as exc:  # every exception is an outcome to compare
        return "error", exc


def same_value(x, y):
    if isinstance(x, float) and isinstance(y, float):
        return (math.isnan(x) and math.isnan(y)) or struct.pack("<d", x) == struct.pack("<d", y)
    if isinstance(x, array.array) and isinstance(y, array.array):
        return x.typecode == y.typecode and x.tobytes() == y.tobytes()
    return type(x) is type(y) and x == y


def assert_same_outcome(c_call, native_call, messages=True):
    (c_kind, c_value), (n_kind, n_value) = outcome(c_call), outcome(native_call)
    assert not isinstance(c_value, SystemError), f"SystemError from C: {c_value!r}"
    assert c_kind == n_kind, f"C gave {c_value!r}, the reference {n_value!r}"
    if c_kind == "ok":
        assert same_value(c_value, n_value), f"C gave {c_value!r}, the reference {n_value!r}"
    else:
        assert type(c_value) is type(n_value), f"C raised {c_value!r}, the reference {n_value!r}"
        if messages:
            assert str(c_value) == str(n_value)


# ---- dot ---------------------------------------------------------------------------


@hostile
@given(a=vectors(), b=vectors(), accurate=st.booleans())
def test_dot_on_hostile_vectors_matches_the_reference(a, b, accurate):
    assert_same_outcome(lambda: vecdot.dot(a(), b(), accurate=accurate),
                        lambda: native.dot(a(), b(), accurate=accurate))


@hostile
@given(n=st.integers(0, 20), accurate=st.one_of(st.booleans(), st.none(), st.integers(), st.floats(),
                                                   st.sampled_from(["", "x", [], [0], np.bool_(True)])),
       threads=st.one_of(st.none(), st.integers(-5, 100), st.booleans(), st.floats(),
                         st.sampled_from([np.int64(2), "2", IntSub(3)])))
def test_dot_keywords_of_any_type_match_the_reference(n, accurate, threads):
    a, b = [float(i) for i in range(n)], [0.5] * n
    assert_same_outcome(lambda: vecdot.dot(a, b, accurate=accurate, threads=threads),
                        lambda: native.dot(a, b, accurate=accurate, threads=threads))


@pytest.mark.parametrize("accurate", [
    type("BoolRaises", (), {"__bool__": lambda self: (_ for _ in ()).throw(Boom("from __bool__"))})(),
    np.array([True, False]),  # ambiguous truth value: ValueError
])
def test_accurate_whose_truth_value_raises_propagates(accurate):
    assert_same_outcome(lambda: vecdot.dot([1.0], [2.0], accurate=accurate),
                        lambda: native.dot([1.0], [2.0], accurate=accurate))


# ---- parse -------------------------------------------------------------------------

NUMBERISH = st.text(alphabet=st.sampled_from(list("0123456789+-.eE_, \t\n\r\x0b\x0cinfatyINFATY")
                                             + ["\u0663", "\uff11", "\u2003", "\xa0", "\x00", "é"]),
                    max_size=60)
# hypothesis leaves lone surrogates out of text(); a str can still hold them.
SURROGATES = st.lists(st.sampled_from(["\ud800", "\udfff", "\udc80", "1", ",", "2.5"]),
                      max_size=6).map("".join)


@hostile
@given(text=st.one_of(NUMBERISH, SURROGATES, st.text(max_size=40), st.binary(max_size=40),
                      NUMBERISH.map(str.encode), NUMBERISH.map(lambda s: bytearray(s.encode()))))
def test_parse_of_any_text_matches_the_reference(text):
    assert_same_outcome(lambda: vecdot.parse(text), lambda: native.parse(text))


@hostile
@given(value=st.one_of(st.floats(), st.integers(), st.none(), st.lists(st.integers(), max_size=3),
                       array_vectors(), numpy_vectors()))
def test_parse_of_non_text_matches_the_reference(value):
    if isinstance(value, np.ndarray):
        # parse() asks for bytes (PyBUF_SIMPLE), which numpy grants for dtypes whose
        # format it cannot describe (datetime, object); the reference asks for the
        # format and gets an error. Both are fine for text; compare numeric arrays.
        if value.dtype.kind in "OMV":
            value = value.astype("i1") if value.dtype.kind != "V" else np.zeros(1)
        if not value.flags.c_contiguous:
            value = np.ascontiguousarray(value)  # see test_parse_reads_non_contiguous_buffers
    assert_same_outcome(lambda: vecdot.parse(value), lambda: native.parse(value))


def test_parse_of_huge_field_counts_and_lengths():
    # A million empty fields fail on the first; a 1 MB number parses.
    with pytest.raises(ValueError, match=r"item 0 is not a number: ''"):
        vecdot.parse("," * 1_000_000)
    assert vecdot.parse("1" * 1_000_000)[0] == math.inf
    assert vecdot.parse("0." + "0" * 1_000_000 + "1e1000000")[0] == 1e-1


# ---- hello -------------------------------------------------------------------------


@hostile
@given(name=st.one_of(st.text(), st.text().map(lambda s: s + "\ud800"), st.binary(), st.integers(),
                      st.none(), st.builds(object)))
def test_hello_of_anything_matches_the_reference(name):
    assert_same_outcome(lambda: vecdot.hello(name), lambda: native.hello(name))


@pytest.mark.parametrize("args", [(), ("a",), ("a", "b"), ("a", "b", "c")])
def test_hello_argument_counts(args):
    # Python words its own argument-count errors differently from the C binding.
    assert_same_outcome(lambda: vecdot.hello(*args), lambda: native.hello(*args), messages=False)


# ---- bugs found by the properties above, now fixed: regression tests ---------------


def test_huge_thread_count_is_capped_not_refused():
    # threads=2**64 is a positive int: the reference caps it at 64 threads like any
    # other large count; the C binding's PyLong_AsLong overflows and reports
    # "threads must be at least 1".
    assert vecdot.dot([1.0], [2.0], threads=2**64) == native.dot([1.0], [2.0], threads=2**64) == 2.0


def test_parse_reads_non_contiguous_buffers_like_the_reference():
    # The reference gathers any buffer with tobytes(); the C binding asks for a
    # contiguous one (PyBUF_SIMPLE) and raises BufferError.
    view = memoryview(b"1,2,3,4")[::2]
    assert_same_outcome(lambda: vecdot.parse(view), lambda: native.parse(view))


def test_hello_of_a_str_subclass_uses_its_characters_in_both():
    # The C greeting copies the characters (%U); the reference's f-string calls the
    # subclass's __format__, so the two disagree.
    class Loud(str):
        def __format__(self, spec):
            return "LOUD"

    assert native.hello(Loud("bob")) == vecdot.hello(Loud("bob")) == "Hello, bob, from C!"


def memcheck_errors_in_vecdot(code):
    """Run code under valgrind memcheck; return its error reports that name vecdot."""
    result = subprocess.run(
        ["valgrind", "--tool=memcheck", "--num-callers=12", sys.executable, "-c", code],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONMALLOC": "malloc"})
    assert result.returncode == 0, result.stderr[-3000:]
    # Each report starts "==PID== What happened", its frames follow, indented.
    reports = re.split(r"\n(?===\d+== [A-Z])", result.stderr)
    return [r for r in reports if ("uninitialised" in r or "Invalid" in r)
            and re.search(r"_vecdot|\bvd_\w+ \(|py_\w+\.c", r)]


needs_valgrind = pytest.mark.skipif(
    shutil.which("valgrind") is None or "asan" in os.environ.get("LD_PRELOAD", "")
    or "vgpreload" in os.environ.get("LD_PRELOAD", ""),
    reason="needs valgrind, and not already under a sanitizer or valgrind")


@pytest.mark.slow
@needs_valgrind
def test_empty_iterables_read_no_uninitialised_memory():
    # Found by scripts/valgrind.sh: the result is right (0.0), but the kernel branches
    # on the stride and type of a vd_vector that was never set.
    assert vecdot.dot(iter([]), (x for x in ())) == 0.0
    assert memcheck_errors_in_vecdot("import vecdot; vecdot.dot(iter([]), iter([]))") == []


# ---- cases that would crash a broken binding: each in a child interpreter ----------


def run_isolated(code, timeout=120):
    """Run code in a fresh python with faulthandler on; return its stdout."""
    result = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=timeout,
    )
    assert result.returncode == 0, f"child exited {result.returncode}:\n{result.stderr[-3000:]}"
    return result.stdout.strip()


ISOLATED = {
    # __float__ clears, grows or rewrites the list being converted
    "item clears its list": (
        "class X:\n    def __float__(self): xs.clear(); return 1.0\n"
        "xs = [X(), 1.0, 2.0]\ntry: vecdot.dot(xs, [1.0] * 3)\nexcept RuntimeError: print('ok')",
        "ok"),
    "item grows its list": (
        "class X:\n    def __float__(self): xs.extend([1.0] * 1000); return 1.0\n"
        "xs = [X()] * 20\ntry: vecdot.dot(xs, [1.0] * 20)\nexcept RuntimeError: print('ok')",
        "ok"),
    "item replaces later items": (
        "class X:\n    def __float__(self): xs[1:] = [float(i) for i in range(19)]; gc.collect(); return 1.0\n"
        "xs = [X()] + [object()] * 19\nprint(vecdot.dot(xs, [1.0] * 20))",
        "172.0"),
    "item drops the last reference to itself": (
        "class X:\n    def __float__(self): del xs[:]; xs.extend([0.0] * 3); gc.collect(); return 2.0\n"
        "xs = [X(), 1.0, 1.0]\nprint(vecdot.dot(xs, [1.0] * 3))",
        "2.0"),
    # the other argument's buffer is held while this one converts
    "item resizes the held bytearray": (
        "ba = bytearray(b'\\x01\\x02')\n"
        "class X:\n    def __float__(self): ba.extend(b'x' * 10**6); return 1.0\n"
        "try: vecdot.dot(ba, [X(), 1.0])\nexcept BufferError: print('ok')",
        "ok"),
    "item releases the memoryview in use": (
        "m = memoryview(array.array('d', [1.0, 2.0]))\n"
        "class X:\n    def __float__(self): m.release(); return 1.0\n"
        "try: vecdot.dot(m, [X(), 1.0])\nexcept BufferError: print('ok')",
        "ok"),
    # reentrancy and recursion
    "__float__ calls dot recursively": (
        "import sys\nsys.setrecursionlimit(400)\n"
        "class X:\n    def __float__(self): return vecdot.dot([X()], [1.0]) + 1\n"
        "try: vecdot.dot([X()], [1.0])\nexcept RecursionError: print('ok')",
        "ok"),
    # another thread rewrites the list while __float__ lets it run
    # (both threads yield with sleep(0), so the run takes milliseconds whatever the
    # interpreter's switch interval)
    "list mutated by another thread": (
        "import threading, time\n"
        "class X:\n    def __float__(self): time.sleep(0); return 1.0\n"
        "xs = [X() for _ in range(200)]\nstop = False\n"
        "def churn():\n    while not stop: xs.append(1.0); xs.pop(); time.sleep(0)\n"
        "t = threading.Thread(target=churn); t.start()\n"
        "for _ in range(20):\n    try: vecdot.dot(xs, xs)\n    except RuntimeError: pass\n"
        "stop = True; t.join(); print('ok')",
        "ok"),
    # endless input: interrupted by a signal, never a hang
    "signal stops an endless generator": (
        "import itertools, signal\n"
        "def alarm(*_): raise KeyboardInterrupt\n"
        "signal.signal(signal.SIGALRM, alarm); signal.setitimer(signal.ITIMER_REAL, 0.3)\n"
        "try: vecdot.dot(itertools.repeat(1.0), [1.0])\nexcept KeyboardInterrupt: print('ok')",
        "ok"),
    # allocations that cannot succeed are MemoryError
    "integer buffer of 2**59 elements": (
        "import numpy as np\nv = np.broadcast_to(np.int8(1), (2**59,))\n"
        "try: vecdot.dot(v, v)\nexcept MemoryError: print('ok')",
        "ok"),
    "integer buffer of 2**62 elements": (
        "import numpy as np\nv = np.broadcast_to(np.int8(1), (2**62,))\n"
        "try: vecdot.dot(v, [1])\nexcept MemoryError: print('ok')",
        "ok"),
    # garbage collection inside every conversion
    "gc in every __float__": (
        "class X:\n    def __float__(self): gc.collect(); return 0.5\n"
        "print(vecdot.dot([X() for _ in range(50)], (X() for _ in range(50)), accurate=True))",
        "12.5"),
    # exceptions raised after the values were moved to the heap (over 16 items)
    "iterator fails after 100 items": (
        "def gen():\n    yield from [1.0] * 100\n    raise ValueError('late')\n"
        "try: vecdot.dot(gen(), [1.0] * 100)\nexcept ValueError as e: print(e)",
        "late"),
    # module state: the extension imported twice, used after the first is gone
    "second module instance after the first is collected": (
        "import importlib.util\nspec = importlib.util.find_spec('vecdot._vecdot')\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "parse = m.parse; del m, spec; gc.collect()\nprint(parse('1,2')[1])",
        "2.0"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ISOLATED))
def test_risky_case_is_an_exception_or_a_result_never_a_crash(name):
    code, expected = ISOLATED[name]
    assert run_isolated("import array, gc, vecdot\n" + code) == expected
