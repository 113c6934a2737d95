"""GET /healthz: 200 only when the extension is loaded and computes correctly, else 503.

The self-check runs on every call (a few microseconds) so that a health probe tests
what requests use: the parser, the fast mode and the exact mode. Its cases are exact
in binary floating point, so the expected answers are not a matter of rounding.
"""

from flask import Blueprint, current_app
from werkzeug.exceptions import ServiceUnavailable

bp = Blueprint("health", __name__)

# 1*4 + 2*5 + 3*6 = 32, exact in any summation order.
_PARSE_TEXT, _PARSE_OTHER, _PARSE_RESULT = "1,2,3", "4,5,6", 32.0
# Fast mode may lose the 1.0 between the two 2**60 terms; the exact mode may not.
_CANCEL_A, _CANCEL_B, _CANCEL_RESULT = [2.0**60, 1.0, -(2.0**60)], [1.0, 1.0, 1.0], 1.0


def self_check(vecdot):
    """True when vecdot parses and multiplies known cases correctly."""
    try:
        a, b = vecdot.parse(_PARSE_TEXT), vecdot.parse(_PARSE_OTHER)
        return (
            vecdot.dot(a, b) == _PARSE_RESULT
            and vecdot.dot(_CANCEL_A, _CANCEL_B, accurate=True) == _CANCEL_RESULT
        )
    except Exception:  # a broken extension may fail in any way; report it, do not raise
        current_app.logger.exception("vecdot self-check raised")
        return False


@bp.get("/healthz")
def healthz():
    vecdot = current_app.extensions["vecdot"]
    if vecdot is None:
        raise ServiceUnavailable("the vecdot extension is not loaded")
    if not self_check(vecdot):
        raise ServiceUnavailable("the vecdot extension failed its self-check")
    return {"status": "ok"}
