"""The API: GET / greets, GET and POST /dot compute a dot product.

Views only dispatch: reading.py turns a request into arguments (or a 4xx), backend.py
computes, and responses.py writes the JSON, errors included.
"""

from flask import Blueprint

from . import backend, reading

bp = Blueprint("api", __name__)


@bp.get("/")
def hello():
    name = reading.greeting_name()
    vecdot = backend.get()
    # Also where to go next, for whoever opens the service's root in a browser.
    return {"message": vecdot.hello() if name is None else vecdot.hello(name),
            "docs": "/docs", "openapi": "/openapi.json"}


@bp.get("/dot")
def dot_from_query():
    a, b, accurate = reading.query_vectors(backend.get().parse)
    return {"result": backend.dot(a, b, accurate), "n": len(a)}


@bp.post("/dot")
def dot_from_body():
    a, b, accurate = reading.body_vectors()
    return {"result": backend.dot(a, b, accurate), "n": len(a)}
