"""Size limits, enforced before any value is parsed.

A request is measured by what it declares (the query string's length, the
Content-Length header) before a view touches it, so an oversized request costs a
comparison, not a parse. Bodies without a Content-Length (chunked) are read at most one
byte past the limit by read_body. Flask's MAX_CONTENT_LENGTH is set from the same
setting, for any code that reads the body through werkzeug.
"""

from flask import current_app, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge


def check_request_size():
    config = current_app.config
    query_bytes = len(request.query_string)
    if query_bytes > config["MAX_QUERY_BYTES"]:
        raise RequestEntityTooLarge(
            f"the query string is {query_bytes} bytes; the limit is {config['MAX_QUERY_BYTES']}"
        )
    declared = request.content_length
    if declared is not None and declared > config["MAX_BODY_BYTES"]:
        raise RequestEntityTooLarge(
            f"the body is {declared} bytes; the limit is {config['MAX_BODY_BYTES']}"
        )


def check_vector_length(n):
    """413 for a vector longer than MAX_VECTOR_LEN; call it before parsing where n is known."""
    limit = current_app.config["MAX_VECTOR_LEN"]
    if n > limit:
        raise RequestEntityTooLarge(f"a vector has {n} numbers; the limit is {limit}")


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


def init_app(app):
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    app.before_request(check_request_size)
