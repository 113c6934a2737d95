"""The one way the app reaches vecdot: which module, a checked dot product, and its health.

The module is the C extension, or its pure-Python twin ``vecdot._native`` when the
benchmark-only PURE_PYTHON setting asks for it; both have the same ``hello``, ``dot`` and
``parse``. A module that fails to import is logged and recorded as missing rather than
raised, so the service still starts and answers 503 (and /healthz says why) instead of a
worker that cannot boot and a container that restarts in a loop.
"""

import importlib
import math
import time

from flask import current_app
from werkzeug.exceptions import BadRequest, ServiceUnavailable, UnprocessableEntity

from . import metrics

EXTENSION = "vecdot"
PURE_PYTHON = "vecdot._native"

# The health self-check. 1*4 + 2*5 + 3*6 = 32, exact in any summation order; fast mode
# may lose the 1.0 between the two 2**60 terms, the exact mode may not. Every case is
# exact in binary floating point, so the answers are not a matter of rounding.
_PARSE_A, _PARSE_B, _PARSE_RESULT = "1,2,3", "4,5,6", 32.0
_CANCEL_A, _CANCEL_B, _CANCEL_RESULT = [2.0**60, 1.0, -(2.0**60)], [1.0, 1.0, 1.0], 1.0


def init_app(app):
    name = PURE_PYTHON if app.config["PURE_PYTHON"] else EXTENSION
    try:
        module = importlib.import_module(name)
    except ImportError:
        app.logger.exception("cannot import %s; every vecdot route will answer 503", name)
        module = None
    app.extensions["vecdot"] = module


def get():
    """The vecdot module for this app, or a 503 when it could not be imported."""
    module = current_app.extensions["vecdot"]
    if module is None:
        raise ServiceUnavailable("the vecdot extension is not available")
    return module


def dot(a, b, accurate):
    """The dot product, or the 400/422 that a non-finite result means.

    A finite result proves every input was finite: under IEEE arithmetic an inf or nan
    input makes every sum it enters inf or nan. So the happy path checks one float; only a
    non-finite result pays for a scan that tells the two causes apart:
    - an input was inf or nan (a query or binary body can carry one): 400, because JSON
      cannot carry them back and a dot product of them is meaningless;
    - the inputs were finite: fast mode may have overflowed in an intermediate product or
      partial sum, so recompute with accurate=True, which is exact whenever the true
      result is in range. If that is finite it is the answer; if not, the result itself
      overflows float64: 422.
    """
    vecdot = get()
    if len(a) != len(b):
        raise BadRequest(f"a has {len(a)} numbers and b has {len(b)}; they must have the same length")
    start = time.perf_counter()
    result = vecdot.dot(a, b, accurate=accurate)
    metrics.record_dot(len(a), time.perf_counter() - start)
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


def check_health():
    """Raise 503 unless the module is loaded and parses and multiplies known cases right.

    It runs on every /healthz call (a few microseconds), so a probe tests what requests
    use: the parser, the fast mode and the exact mode.
    """
    vecdot = get()
    try:
        healthy = (
            vecdot.dot(vecdot.parse(_PARSE_A), vecdot.parse(_PARSE_B)) == _PARSE_RESULT
            and vecdot.dot(_CANCEL_A, _CANCEL_B, accurate=True) == _CANCEL_RESULT
        )
    except Exception:  # a broken extension may fail in any way; report it, do not raise
        current_app.logger.exception("vecdot self-check raised")
        healthy = False
    if not healthy:
        raise ServiceUnavailable("the vecdot extension failed its self-check")
