"""Fixtures for the web tests: an app per backend, its test client, and a clean environment.

Every test that takes ``app`` or ``client`` runs twice: against the C extension and
against vecdot._native, the pure-Python twin the benchmark-only configuration swaps in.
"""

import os
import sys
from pathlib import Path

import pytest

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
sys.path.insert(0, str(WEB_DIR))  # web/ is served from its directory, not installed

from vecdot_web import create_app  # noqa: E402

BACKENDS = {"c-extension": False, "pure-python": True}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """VECDOT_* settings in the shell running the tests must not change what they see."""
    for name in list(os.environ):
        if name.startswith("VECDOT_") and name != "VECDOT_NUM_THREADS":
            monkeypatch.delenv(name)


@pytest.fixture(params=list(BACKENDS), ids=list(BACKENDS))
def backend_config(request):
    if BACKENDS[request.param]:
        pytest.importorskip("vecdot._native")
    return {"TESTING": True, "PURE_PYTHON": BACKENDS[request.param]}


@pytest.fixture
def make_app(backend_config):
    """Build an app on the current backend with extra settings, e.g. smaller limits."""
    def make(**settings):
        return create_app({**backend_config, **settings})
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()
