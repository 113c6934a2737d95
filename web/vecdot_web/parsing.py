"""Turn the three kinds of /dot request into (a, b, accurate), or a 400/413 that says why.

The happy path does no per-element work in Python: query values go through the
C ``vecdot.parse``, JSON bodies through orjson (plus one C-level pass over the element
types), binary bodies through a zero-copy ``memoryview``. Loops in Python run only
to find the culprit once a request is known to be bad.
"""

import sys
from array import array

from flask import current_app, request
from werkzeug.exceptions import BadRequest

from . import jsonio
from .limits import check_vector_length, read_body

_FLAGS = {"true": True, "1": True, "false": False, "0": False}
_JSON_KEYS = frozenset(("a", "b", "accurate"))
_NUMBER_TYPES = frozenset((int, float))
_JSON_TYPE_NAMES = {str: "a string", bool: "a boolean", type(None): "null",
                    list: "an array", dict: "an object"}


def query_param(name, required=True):
    """The one value of a query parameter; a repeated parameter is ambiguous, so a 400."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"query parameter {name!r} is given {len(values)} times")
    if not values:
        if required:
            raise BadRequest(f"missing query parameter {name!r}")
        return None
    return values[0]


def accurate_flag():
    text = query_param("accurate", required=False)
    if text is None:
        return False
    try:
        return _FLAGS[text.lower()]
    except KeyError:
        raise BadRequest(f"accurate must be true, false, 1 or 0, not {text!r}") from None


def from_query(vecdot):
    """GET /dot?a=1,2,3&b=4,5,6[&accurate=true]"""
    texts = {name: query_param(name) for name in ("a", "b")}
    accurate = accurate_flag()
    vectors = []
    for name, text in texts.items():
        # The limit holds before anything is parsed: a value and its comma take at least
        # two characters, so only a text long enough to be over it needs its commas counted.
        if len(text) // 2 + 1 > current_app.config["MAX_VECTOR_LEN"]:
            check_vector_length(text.count(",") + 1)
        try:
            vectors.append(vecdot.parse(text))
        except ValueError as exc:
            message = str(exc).removeprefix("parse() ")
            raise BadRequest(f"{name} is not a comma-separated list of numbers: {message}") from None
    return vectors[0], vectors[1], accurate


def from_json(body):
    """POST /dot, application/json: {"a": [...], "b": [...], "accurate": false}"""
    try:
        doc = jsonio.loads(body)
    except jsonio.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if type(doc) is not dict:
        raise BadRequest("the body must be a JSON object with keys a and b")
    unknown = sorted(doc.keys() - _JSON_KEYS)
    if unknown:
        raise BadRequest(f"unknown key {unknown[0]!r}; the keys are a, b and accurate")
    for name in ("a", "b"):
        if name not in doc:
            raise BadRequest(f"missing key {name!r}")
        if type(doc[name]) is not list:
            raise BadRequest(f"{name} must be an array of numbers")
        check_vector_length(len(doc[name]))
    accurate = doc.get("accurate", False)
    if type(accurate) is not bool:
        raise BadRequest("accurate must be true or false")
    a, b = doc["a"], doc["b"]
    # One C-level pass over the element types. It rejects booleans too, which
    # vecdot.dot would take as 1 and 0: JSON Schema's "number" excludes them.
    if not {*map(type, a), *map(type, b)} <= _NUMBER_TYPES:
        raise BadRequest(_first_non_number(a, b))
    return a, b, accurate


def _first_non_number(a, b):
    for name, vector in (("a", a), ("b", b)):
        for i, value in enumerate(vector):
            if type(value) not in _NUMBER_TYPES:
                return f"{name}[{i}] is {_JSON_TYPE_NAMES[type(value)]}, not a number"
    raise AssertionError("called without a non-number")


def from_binary():
    """POST /dot, application/octet-stream: a then b, little-endian float64, equal halves."""
    accurate = accurate_flag()  # the query is checked before the body is read
    declared = request.content_length
    if declared is not None:
        check_vector_length(declared // 16)
    body = read_body()
    if len(body) % 16:
        raise BadRequest(
            f"the body is {len(body)} bytes; it must be two equal float64 vectors, "
            "a multiple of 16 bytes"
        )
    n = len(body) // 16
    check_vector_length(n)  # a chunked body has no Content-Length to check first
    if sys.byteorder == "little":
        values = memoryview(body).cast("d")  # zero-copy view of the body
    else:
        values = array("d", body)  # a big-endian host must swap: one copy, in C
        values.byteswap()
    return values[:n], values[n:], accurate
