"""Which vecdot implementation the app calls: the C extension, or its pure-Python twin.

Both modules have the same ``hello``, ``dot`` and ``parse``. The app keeps the chosen
module in ``app.extensions["vecdot"]`` and views reach it through :func:`get`.
A module that fails to import is logged and recorded as missing rather than raised,
so the service still starts and answers 503 (and /healthz reports it) instead of a
worker that cannot boot and a container that restarts in a loop.
"""

import importlib

from flask import current_app
from werkzeug.exceptions import ServiceUnavailable

EXTENSION = "vecdot"
PURE_PYTHON = "vecdot._native"


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
