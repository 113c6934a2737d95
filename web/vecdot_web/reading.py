"""Everything the service reads from a request: size limits first, then parameters and bodies.

A request is measured by what it declares (the query string's length, the
Content-Length header) in a before_request hook, so an oversized request costs a
comparison, not a parse. Then the three kinds of /dot request become (a, b, accurate)
with no per-element work in Python on the happy path: query values go through the C
``vecdot.parse``, JSON bodies through orjson (plus one C-level pass over the element
types), binary bodies through a zero-copy ``memoryview``. Loops in Python run only to
name the culprit once a request is known to be bad.
"""

import sys
from array import array

import orjson
from flask import current_app, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

_FLAGS = {"true": True, "1": True, "false": False, "0": False}
_JSON_KEYS = frozenset(("a", "b", "accurate"))
_NUMBER_TYPES = frozenset((int, float))
_JSON_TYPE_NAMES = {str: "a string", bool: "a boolean", type(None): "null", list: "an array", dict: "an object"}


def init_app(app):
    # Flask's own limit, for any code that reads the body through werkzeug.
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    app.before_request(check_request_size)


# ---- limits -----------------------------------------------------------------------


def check_request_size():
    config = current_app.config
    query_bytes = len(request.query_string)
    if query_bytes > config["MAX_QUERY_BYTES"]:
        raise RequestEntityTooLarge(
            f"the query string is {query_bytes} bytes; the limit is {config['MAX_QUERY_BYTES']}"
        )
    declared = request.content_length
    if declared is not None and declared > config["MAX_BODY_BYTES"]:
        raise RequestEntityTooLarge(f"the body is {declared} bytes; the limit is {config['MAX_BODY_BYTES']}")


def check_vector_length(n):
    """413 for a vector longer than MAX_VECTOR_LEN; called before parsing where n is known."""
    limit = current_app.config["MAX_VECTOR_LEN"]
    if n > limit:
        raise RequestEntityTooLarge(f"a vector has {n} numbers; the limit is {limit}")


# ---- the query string -----------------------------------------------------------------


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


def greeting_name():
    """GET /?name=Ada: the name, or None. It is echoed back and may be logged: short and printable."""
    name = query_param("name", required=False)
    if name is None:
        return None
    limit = current_app.config["MAX_NAME_LEN"]
    if not 0 < len(name) <= limit:
        raise BadRequest(f"name must be 1 to {limit} characters long")
    if not name.isprintable():
        raise BadRequest("name must not contain control or other unprintable characters")
    return name


def query_vectors(parse):
    """GET /dot?a=1,2,3&b=4,5,6[&accurate=true], each vector read by ``parse`` (vecdot.parse)."""
    texts = {name: query_param(name) for name in ("a", "b")}
    accurate = accurate_flag()
    vectors = []
    for name, text in texts.items():
        # The limit holds before anything is parsed: a value and its comma take at least
        # two characters, so only a text long enough to be over it needs its commas counted.
        if len(text) // 2 + 1 > current_app.config["MAX_VECTOR_LEN"]:
            check_vector_length(text.count(",") + 1)
        try:
            vectors.append(parse(text))
        except ValueError as exc:
            message = str(exc).removeprefix("parse() ")
            raise BadRequest(f"{name} is not a comma-separated list of numbers: {message}") from None
    return vectors[0], vectors[1], accurate


# ---- bodies ---------------------------------------------------------------------------


def body_vectors():
    """POST /dot: (a, b, accurate) from a JSON or a binary body, or a 415 for another type."""
    if request.mimetype == "application/json":
        # Two places for one flag would let one silently lose; the body's key is the one.
        if "accurate" in request.args:
            raise BadRequest("with a JSON body, accurate is a key of the body, not a query parameter")
        return json_vectors(read_body())
    if request.mimetype == "application/octet-stream":
        return binary_vectors()
    raise UnsupportedMediaType(
        f"Content-Type is {request.mimetype or 'none'}; POST /dot takes application/json "
        "or application/octet-stream"
    )


def read_body():
    """The request body, never more than MAX_BODY_BYTES of it; 413 if there is more."""
    limit = current_app.config["MAX_BODY_BYTES"]
    declared = request.content_length
    if declared is not None:
        # check_request_size has bounded Content-Length: read exactly that, in one call as
        # PEP 3333 intends (half the CPU of werkzeug's chunk-by-chunk copy of 1.6 MB).
        size = declared
    elif request.environ.get("wsgi.input_terminated"):
        # Chunked: the server ends the stream where the body ends. One byte past the
        # limit tells a body at the limit from one over it, which werkzeug's
        # get_data() cannot: it returns the first MAX_CONTENT_LENGTH bytes as if whole.
        size = limit + 1
    else:
        return b""  # no length and no end the server vouches for: read nothing, as werkzeug does
    try:
        body = request.environ["wsgi.input"].read(size)
    except Exception as exc:
        # Whatever the server's stream raises here is a body that cannot be read: a
        # malformed chunk (gunicorn's InvalidChunkSize, ChunkMissingTerminator), a client
        # gone mid-body (NoMoreData, ConnectionResetError). The client's fault, not a 500.
        raise BadRequest(f"the body could not be read ({type(exc).__name__})") from None
    if len(body) > limit:
        raise RequestEntityTooLarge(f"the body is over the limit of {limit} bytes")
    if declared is not None and len(body) != declared:
        raise BadRequest(f"the body ended after {len(body)} of its {declared} bytes")
    return body


def json_vectors(body):
    """application/json: {"a": [...], "b": [...], "accurate": false}.

    orjson rather than the standard library: several times faster here (docs/web.md), and
    strict where the service needs it (no NaN, Infinity, 1e999, invalid UTF-8, lone
    surrogates, nesting past 1024). Its own message makes the 400 say what is wrong.
    """
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
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


def binary_vectors():
    """application/octet-stream: a then b, little-endian float64, equal halves."""
    accurate = accurate_flag()  # the query is checked before the body is read
    declared = request.content_length
    if declared is not None:
        check_vector_length(declared // 16)
    body = read_body()
    if len(body) % 16:
        raise BadRequest(
            f"the body is {len(body)} bytes; it must be two equal float64 vectors, a multiple of 16 bytes"
        )
    n = len(body) // 16
    check_vector_length(n)  # a chunked body has no Content-Length to check first
    if sys.byteorder == "little":
        values = memoryview(body).cast("d")  # zero-copy view of the body
    else:
        values = array("d", body)  # a big-endian host must swap: one copy, in C
        values.byteswap()
    return values[:n], values[n:], accurate
