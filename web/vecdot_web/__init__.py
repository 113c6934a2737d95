"""vecdot_web: the Flask app that serves vecdot's dot products as JSON.

``create_app`` is the only entry point: gunicorn calls it (web/gunicorn.conf.py sets
``wsgi_app = "vecdot_web:create_app()"``) and the tests call it with a test config.
Each module is one concern:

- settings:  the defaults, and their startup check
- backend:   the one way to the vecdot extension: hello, parse, a checked dot, health
- reading:   everything read from a request: size limits, parameters, bodies
- responses: JSON out through orjson, and every error in one shape
- api:       GET /, GET and POST /dot
- health:    GET /healthz
- metrics:   Prometheus series and GET /metrics
- openapi:   GET /openapi.json
- docs:      GET /docs, Swagger UI for that document
"""

from flask import Flask

from . import api, backend, docs, health, metrics, openapi, reading, responses, settings


def create_app(test_config=None):
    """Build the app: defaults, then VECDOT_* environment variables, then test_config."""
    app = Flask(__name__, static_folder=None)  # an API: no static files to serve
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_prefixed_env("VECDOT")
    if test_config is not None:
        app.config.from_mapping(test_config)
    settings.check(app.config)

    backend.init_app(app)
    metrics.init_app(app)  # first, so its hooks see every request, even one refused for size
    reading.init_app(app)
    responses.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(docs.bp)
    return app
