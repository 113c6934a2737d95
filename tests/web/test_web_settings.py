"""Settings: defaults, overridden by VECDOT_* environment variables, then by test_config."""

import pytest
from vecdot_web import create_app
from vecdot_web.settings import DEFAULTS


def test_defaults_apply_without_environment():
    app = create_app()
    assert {key: app.config[key] for key in DEFAULTS} == DEFAULTS
    # Flask enforces the body limit on streamed bodies from the same setting.
    assert app.config["MAX_CONTENT_LENGTH"] == DEFAULTS["MAX_BODY_BYTES"]


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("VECDOT_MAX_VECTOR_LEN", "3")
    monkeypatch.setenv("VECDOT_MAX_BODY_BYTES", "1000")
    app = create_app()
    assert (app.config["MAX_VECTOR_LEN"], app.config["MAX_CONTENT_LENGTH"]) == (3, 1000)
    assert app.test_client().get("/dot?a=1,2,3,4&b=1,2,3,4").status_code == 413


def test_test_config_overrides_environment(monkeypatch):
    monkeypatch.setenv("VECDOT_MAX_VECTOR_LEN", "3")
    assert create_app({"MAX_VECTOR_LEN": 5}).config["MAX_VECTOR_LEN"] == 5


# A setting that would break every request fails at startup instead.
@pytest.mark.parametrize("name, value", [
    ("VECDOT_MAX_VECTOR_LEN", "lots"),
    ("VECDOT_MAX_VECTOR_LEN", "0"),
    ("VECDOT_MAX_BODY_BYTES", "-1"),
    ("VECDOT_MAX_QUERY_BYTES", "1.5"),
    ("VECDOT_MAX_NAME_LEN", "true"),
    ("VECDOT_PURE_PYTHON", "yes"),
])
def test_invalid_setting_fails_at_startup(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        create_app()


def test_extension_is_the_default_backend():
    assert create_app().extensions["vecdot"].__name__ == "vecdot"


@pytest.mark.parametrize("value", ["1", "true"])
def test_pure_python_setting_swaps_in_the_reference_backend(monkeypatch, value):
    pytest.importorskip("vecdot._native")
    monkeypatch.setenv("VECDOT_PURE_PYTHON", value)
    app = create_app()
    assert app.extensions["vecdot"].__name__ == "vecdot._native"
    assert app.test_client().get("/dot?a=1,2&b=3,4").get_json() == {"result": 11.0, "n": 2}
