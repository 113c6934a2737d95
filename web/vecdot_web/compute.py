"""The dot product itself, and what a non-finite result means.

A finite result proves every input was finite: under IEEE arithmetic an inf or nan
input makes every sum it enters inf or nan. So the happy path checks one float; only a
non-finite result pays for a scan that tells the two causes apart:
- an input was inf or nan (a query or binary body can carry one): 400, because JSON
  cannot carry them back and a dot product of them is meaningless;
- the inputs were finite: fast mode may have overflowed in an intermediate product or
  partial sum, so recompute with accurate=True, which is exact whenever the true result
  is in range. If that is finite it is the answer; if not, the result itself overflows
  float64: 422.
"""

import math

from werkzeug.exceptions import BadRequest, UnprocessableEntity


def checked_dot(vecdot, a, b, accurate):
    if len(a) != len(b):
        raise BadRequest(
            f"a has {len(a)} numbers and b has {len(b)}; they must have the same length"
        )
    result = vecdot.dot(a, b, accurate=accurate)
    if math.isfinite(result):
        return result
    for name, vector in (("a", a), ("b", b)):
        for i, value in enumerate(vector):
            if not math.isfinite(value):
                raise BadRequest(f"{name}[{i}] is {value!r}; every input must be finite")
    if not accurate:
        result = vecdot.dot(a, b, accurate=True)
        if math.isfinite(result):
            return result
    raise UnprocessableEntity("the dot product overflows float64 (its magnitude exceeds 1.8e308)")
