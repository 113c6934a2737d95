"""vecdot_web: the Flask app that serves vecdot's dot products as JSON.

``create_app`` is the only entry point: gunicorn calls it (web/gunicorn.conf.py sets
``wsgi_app = "vecdot_web:create_app()"``) and the tests call it with a test config.
"""

from flask import Flask

from . import backend, errors, health, limits, openapi, routes, settings
from .jsonio import OrjsonProvider


def create_app(test_config=None):
    """Build the app: defaults, then VECDOT_* environment variables, then test_config."""
    app = Flask(__name__, static_folder=None)  # an API: no static files to serve
    app.json = OrjsonProvider(app)
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_prefixed_env("VECDOT")
    if test_config is not None:
        app.config.from_mapping(test_config)
    settings.check(app.config)

    backend.init_app(app)
    limits.init_app(app)
    errors.init_app(app)
    app.register_blueprint(routes.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(openapi.bp)
    return app
