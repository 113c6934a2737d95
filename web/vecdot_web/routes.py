"""The API: GET / greets, GET and POST /dot compute a dot product.

Views only dispatch: parsing.py turns a request into vectors, compute.py turns vectors
into a result or an error, and errors.py shapes every error the same way.
"""

from flask import Blueprint, current_app, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from . import backend, parsing
from .compute import checked_dot
from .limits import read_body

bp = Blueprint("api", __name__)


@bp.get("/")
def hello():
    name = parsing.query_param("name", required=False)
    if name is None:
        return {"message": backend.get().hello()}
    limit = current_app.config["MAX_NAME_LEN"]
    # The name is echoed back and may be logged: keep it short and printable.
    if not 0 < len(name) <= limit:
        raise BadRequest(f"name must be 1 to {limit} characters long")
    if not name.isprintable():
        raise BadRequest("name must not contain control or other unprintable characters")
    return {"message": backend.get().hello(name)}


@bp.get("/dot")
def dot_from_query():
    vecdot = backend.get()
    a, b, accurate = parsing.from_query(vecdot)
    return {"result": checked_dot(vecdot, a, b, accurate), "n": len(a)}


@bp.post("/dot")
def dot_from_body():
    vecdot = backend.get()
    if request.mimetype == "application/json":
        # Two places for one flag would let one silently lose; the body's key is the one.
        if "accurate" in request.args:
            raise BadRequest("with a JSON body, accurate is a key of the body, not a query parameter")
        a, b, accurate = parsing.from_json(read_body())
    elif request.mimetype == "application/octet-stream":
        a, b, accurate = parsing.from_binary()
    else:
        shown = request.mimetype or "none"
        raise UnsupportedMediaType(
            f"Content-Type is {shown}; POST /dot takes application/json "
            "or application/octet-stream"
        )
    return {"result": checked_dot(vecdot, a, b, accurate), "n": len(a)}
