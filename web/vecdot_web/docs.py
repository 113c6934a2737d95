"""GET /docs: Swagger UI, the interactive explorer of the service's own /openapi.json.

The page and its three assets are served by the app itself, so it works on a machine
with no internet: Swagger UI 5 (which OpenAPI 3.1 needs) comes from the swagger-ui-py
package pinned in requirements-docs.txt, whose static files are the only part used
(it is installed without its dependencies and never imported; the image keeps only the
files below). The page's own script is ours, beside this module, because a
Content-Security-Policy that admits only this origin also forbids inline scripts.
"""

import importlib.util
from pathlib import Path

from flask import Blueprint, Response, send_from_directory
from werkzeug.exceptions import NotFound, ServiceUnavailable

bp = Blueprint("docs", __name__)

HERE = Path(__file__).parent
# What the page loads, and nothing else: the editor bundles and source maps of the
# package are never served (the image does not even carry them).
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")

# Only this origin, for everything; Swagger UI's stylesheet draws its icons as data: URIs.
# No framing (clickjacking), no plugins, no <base> rewriting.
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
# The assets' names stay the same from one Swagger UI release to the next, so a browser
# may keep them but must ask again each time; the ETag makes that a 304.
CACHE = "no-cache"

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>vecdot API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""


def assets_dir():
    """swagger-ui-py's static directory, found without importing the package (or None)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _secured(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/docs")
def page():
    directory = assets_dir()
    if directory is None or not all((directory / name).is_file() for name in ASSETS):
        raise ServiceUnavailable("the documentation assets are not installed (requirements-docs.txt)")
    return _secured(Response(PAGE, mimetype="text/html"))


@bp.get("/docs/init.js")
def init_script():
    response = send_from_directory(HERE, "docs_init.js", mimetype="text/javascript", max_age=None)
    response.headers["Cache-Control"] = CACHE
    return _secured(response)


@bp.get("/docs/assets/<name>")
def asset(name):
    directory = assets_dir()
    if name not in ASSETS or directory is None:
        raise NotFound(f"no documentation asset {name!r}")
    response = send_from_directory(directory, name, max_age=None)
    response.headers["Cache-Control"] = CACHE
    return _secured(response)
