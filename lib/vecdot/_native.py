"""vecdot._native: the pure-Python reference for vecdot's three functions.

Same signatures, same results (bit for bit) and the same errors as the C
extension, written to be read rather than to be fast. The tests run their
tables against both; the benchmarks use it as the pure-Python contender.
The fast mode's order of operations follows the C kernel's constants, read
from the extension (lib/c/dot.h) rather than copied.
"""

from __future__ import annotations

import struct
from array import array
from fractions import Fraction

from vecdot._vecdot import CHUNK_SIZE, LANES

__all__ = ["dot", "hello", "parse"]

_INT_CODES = set("bhilqnBHILQN?")


def hello(name: str = "world", /) -> str:
    """Return a greeting for name (the greeting the C version builds)."""
    if not isinstance(name, str):
        raise TypeError(f"hello() argument must be str, not {type(name).__name__}")
    # join copies the characters, as the C version's %U does; an f-string
    # would call a str subclass's own __format__.
    return "".join(("Hello, ", name, ", from C!"))


def dot(a, b, /, *, accurate=False, threads=None) -> float:
    """Return the dot product of two equal-length vectors of real numbers.

    Checked in the C extension's order: accurate, threads, a, b, lengths.
    """
    accurate = bool(accurate)
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool)):
        raise TypeError("dot() threads must be an int or None")
    if threads is not None and threads < 1:
        raise ValueError("dot() threads must be at least 1")
    xs = _as_floats(a, "a")
    ys = _as_floats(b, "b")
    if len(xs) != len(ys):
        raise ValueError(f"dot() vectors have different lengths ({len(xs)} and {len(ys)})")
    # threads change the speed, never the result, in either mode
    if accurate:
        return _exact(xs, ys)
    return _fast(xs, ys)


def parse(text, /) -> array:
    """Return array('d') of the comma-separated numbers in text (str or bytes)."""
    if not isinstance(text, str):
        try:
            text = memoryview(text).tobytes()
        except TypeError:
            raise TypeError(
                f"parse() argument must be str or bytes, not {type(text).__name__}"
            ) from None
    values = array("d")
    if not text:
        return values
    for index, field in enumerate(text.split("," if isinstance(text, str) else b",")):
        try:
            values.append(float(field))
        except ValueError:
            more = " (truncated)" if len(field) > 40 else ""
            raise ValueError(
                f"parse() item {index} is not a number: {field[:40]!r}{more}"
            ) from None
    return values


# ---- arguments ---------------------------------------------------------------


def _as_floats(obj, name: str) -> list[float]:
    try:
        view = memoryview(obj)
    except TypeError:
        pass
    except ValueError as exc:  # numpy: "cannot include dtype 'M' in a buffer"
        raise TypeError(f"dot() argument {name} cannot be read as a buffer: {exc}") from exc
    else:
        with view:
            return _from_buffer(view, name)
    if type(obj) is list:
        return _from_list(obj, name)
    if type(obj) is tuple:
        items = obj
    else:
        cls = type(obj)
        if not (hasattr(cls, "__iter__") or hasattr(cls, "__getitem__")):
            raise TypeError(
                f"dot() argument {name} must be an iterable of numbers or a float "
                f"buffer, not {cls.__name__}"
            )
        items = iter(obj)
    return [_to_float(item, name, i) for i, item in enumerate(items)]


def _from_list(items: list, name: str) -> list[float]:
    # An item's __float__ may resize the very list being read: an error, as
    # in C, rather than a vector that is silently shorter or longer.
    n = len(items)
    values = []
    for i in range(n):
        x = items[i]
        if type(x) is float:
            values.append(x)
            continue
        values.append(_to_float(x, name, i))
        if len(items) != n:
            raise RuntimeError(f"dot() argument {name} changed size during conversion")
    return values


def _from_buffer(view: memoryview, name: str) -> list[float]:
    if view.ndim != 1:
        raise ValueError(f"dot() argument {name} must be 1-dimensional, not {view.ndim}-dimensional")
    fmt = view.format
    code = fmt[1:] if fmt[:1] in ("@", "=", "<", ">", "!") else fmt
    sizes_ok = view.itemsize in (1, 2, 4, 8)
    floats_ok = (code == "d" and view.itemsize == 8) or (code == "f" and view.itemsize == 4)
    if not sizes_ok or not (floats_ok or code in _INT_CODES) or len(code) != 1:
        raise TypeError(
            f"dot() argument {name} has unsupported buffer format '{fmt}'; supported: "
            "'d' and 'f' (read in place), and the integer formats 'bBhHiIlLqQnN' and "
            "'?' (converted)"
        )
    # tobytes() gathers any strides; struct knows every byte order.
    return [float(x) for (x,) in struct.iter_unpack(fmt, view.tobytes())]


def _to_float(x, name: str, i: int) -> float:
    cls = type(x)
    if cls is float:
        return x
    if isinstance(x, int) and getattr(cls, "__float__", None) is int.__float__:
        try:
            return int.__float__(x)
        except OverflowError:
            raise OverflowError(
                f"dot() argument {name}[{i}] is an int too large to convert to float"
            ) from None
    if isinstance(x, float):
        return float.__float__(x)  # the stored value, as PyFloat_AsDouble reads it
    if not (hasattr(cls, "__float__") or hasattr(cls, "__index__")):
        raise TypeError(f"dot() argument {name}[{i}] must be a real number, not {cls.__name__}")
    return float(x)  # __float__, else __index__; their exceptions pass unchanged


# ---- arithmetic ---------------------------------------------------------------


def _fast(xs: list[float], ys: list[float]) -> float:
    """The C kernel's order of operations: chunks of CHUNK_SIZE elements, each
    in LANES lanes folded pairwise, chunk sums added left to right. Every sum
    starts from +0.0, so a zero result is +0.0, as in C."""
    n = len(xs)
    total = _lanes(xs, ys, 0, min(n, CHUNK_SIZE))
    for lo in range(CHUNK_SIZE, n, CHUNK_SIZE):
        total += _lanes(xs, ys, lo, min(lo + CHUNK_SIZE, n))
    return total


def _lanes(xs, ys, lo: int, hi: int) -> float:
    acc = [0.0] * LANES
    for k, i in enumerate(range(lo, hi)):
        acc[k % LANES] += xs[i] * ys[i]
    width = LANES // 2
    while width:
        for k in range(width):
            acc[k] += acc[k + width]
        width //= 2
    return acc[0]


_OVERFLOW = Fraction(2**1024 - 2**970)  # DBL_MAX + half an ulp: rounds to inf


def _exact(xs: list[float], ys: list[float]) -> float:
    """The exact sum of products, rounded once (Fraction to float rounds
    correctly). inf and nan follow IEEE, as in lib/c/exact.c."""
    nan = pos_inf = neg_inf = False
    total = Fraction(0)
    for x, y in zip(xs, ys, strict=True):
        if x != x or y != y or (abs(x) == float("inf") and y == 0) or (abs(y) == float("inf") and x == 0):
            nan = True
        elif abs(x) == float("inf") or abs(y) == float("inf"):
            if (x < 0) != (y < 0):
                neg_inf = True
            else:
                pos_inf = True
        else:
            total += Fraction(x) * Fraction(y)
    if nan or (pos_inf and neg_inf):
        return float("nan")
    if pos_inf or neg_inf:
        return float("inf") if pos_inf else float("-inf")
    if abs(total) >= _OVERFLOW:
        return float("inf") if total > 0 else float("-inf")
    return float(total)
