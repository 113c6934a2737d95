"""GET /healthz: 200 only when the extension is loaded and computes correctly, else 503.

Docker's HEALTHCHECK, the front proxy and orchestrators' probes call it; what it checks
is backend.check_health.
"""

from flask import Blueprint

from . import backend

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    backend.check_health()
    return {"status": "ok"}
