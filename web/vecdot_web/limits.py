"""Size limits, enforced before any value is parsed.

A request is measured by what it declares (the query string's length, the
Content-Length header) before a view touches it, so an oversized request costs a
comparison, not a parse. Bodies without a Content-Length (chunked) are capped while
they are read: Flask's MAX_CONTENT_LENGTH, set from MAX_BODY_BYTES in the factory,
makes werkzeug raise 413 once the stream passes the limit.
"""

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge


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


def init_app(app):
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    app.before_request(check_request_size)
