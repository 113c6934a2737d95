"""GET /healthz: 200 only when the extension is loaded and its self-check is right; else 503."""

import sys

import pytest
from vecdot_web import create_app
from web_oracle import error_of


def test_healthy_extension_is_200_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.fixture
def app_without_vecdot(monkeypatch, backend_config):
    # None in sys.modules makes `import vecdot` (and its submodules) raise ImportError.
    monkeypatch.setitem(sys.modules, "vecdot", None)
    monkeypatch.setitem(sys.modules, "vecdot._native", None)
    return create_app(backend_config)


def test_missing_extension_still_starts_and_reports_503(app_without_vecdot):
    response = app_without_vecdot.test_client().get("/healthz")
    assert response.status_code == 503
    assert "not available" in error_of(response)["message"]


@pytest.mark.parametrize("path", ["/", "/dot?a=1&b=2"])
def test_missing_extension_makes_its_routes_503(app_without_vecdot, path):
    response = app_without_vecdot.test_client().get(path)
    assert response.status_code == 503
    assert "not available" in error_of(response)["message"]


def wrapped(real, **overrides):
    """The real backend module with some functions replaced."""
    functions = {"hello": real.hello, "parse": real.parse, "dot": real.dot, **overrides}
    return type("Backend", (), {k: staticmethod(f) for k, f in functions.items()})


def raise_error(*args, **kwargs):
    raise MemoryError("simulated")


# A backend that is loaded but wrong in any one of the ways the check covers.
@pytest.mark.parametrize("overrides", [
    {"dot": lambda a, b, accurate=False: 31.0},  # wrong arithmetic
    {"dot": lambda a, b, accurate=False: 0.0 if accurate else 32.0},  # exact mode not exact
    {"parse": lambda text: [1.0, 2.0]},  # parser drops a value
    {"dot": raise_error},  # raises
])
def test_wrong_self_check_is_503(app, monkeypatch, overrides):
    monkeypatch.setitem(app.extensions, "vecdot", wrapped(app.extensions["vecdot"], **overrides))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "failed its self-check" in error_of(response)["message"]
