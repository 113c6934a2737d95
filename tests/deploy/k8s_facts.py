"""What the image and the app say about themselves, read from their own files.

The manifest checks (k8s_checks.py) compare deploy/k8s/ against these facts, so that no
number is copied by hand into a test: the user, port, health path and command from the
Dockerfile's runtime stage, the image tag from scripts/docker-build.sh (what `make image`
builds), gunicorn's settings by evaluating web/gunicorn.conf.py under a container's
environment, the app's limits from web/vecdot_web/settings.py, its routes from the
blueprints' decorators, and the version from lib/vecdot/__init__.py.
"""

import functools
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"


def _one(pattern, text, what):
    found = re.findall(pattern, text, re.MULTILINE)
    if len(found) != 1:
        raise ValueError(f"expected one {what}, found {found!r}")
    return found[0]


@functools.cache
def image():
    """The runtime stage of the Dockerfile: user, group, port, health path, command."""
    text = (REPO / "Dockerfile").read_text()
    runtime = text[text.index(" AS runtime"):]
    user, group = _one(r"^USER (\d+):(\d+)$", runtime, "numeric USER")
    return {
        "uid": int(user),
        "gid": int(group),
        "created_uid": int(_one(r"useradd .*--uid (\d+)", runtime, "useradd --uid")),
        "created_gid": int(_one(r"groupadd .*--gid (\d+)", runtime, "groupadd --gid")),
        "port": int(_one(r"^EXPOSE (\d+)$", runtime, "EXPOSE")),
        "health_path": _one(r"urlopen\(f'http://127\.0\.0\.1:\{port\}(/[\w/]*)'", runtime, "HEALTHCHECK URL"),
        "cmd": json.loads(_one(r"^CMD (\[.*\])$", runtime, "exec-form CMD")),
    }


@functools.cache
def image_tag():
    """The tag `make image` builds by default."""
    script = (REPO / "scripts" / "docker-build.sh").read_text()
    return _one(r'^build "\$\{VECDOT_IMAGE:-([^}]+)\}" \.$', script, "default image tag")


@functools.cache
def version():
    """vecdot.__version__, the one place lib/pyproject.toml reads the version from."""
    text = (REPO / "lib" / "vecdot" / "__init__.py").read_text()
    return _one(r'^__version__ = "([^"]+)"$', text, "__version__")


@functools.cache
def routes():
    """Every route the app serves -> the module that serves it, from the @bp.<method>("...") lines."""
    found = {}
    for path in sorted((WEB / "vecdot_web").glob("*.py")):
        for route in re.findall(r'^@bp\.(?:get|post|put|patch|delete|route)\("([^"]+)"', path.read_text(), re.M):
            found[route] = path.stem
    return found


def route_of(module):
    """The one route a module serves, e.g. health -> /healthz."""
    (route,) = [r for r, m in routes().items() if m == module]
    return route


@functools.cache
def _settings_defaults():
    # settings.py imports nothing: load the file alone, without Flask and the extension.
    spec = importlib.util.spec_from_file_location("vecdot_settings", WEB / "vecdot_web" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.DEFAULTS)


def app_settings(env):
    """The app's settings under this environment, parsed as Flask's from_prefixed_env does."""
    settings = dict(_settings_defaults())  # a copy: the cached defaults stay as they are
    for name, value in env.items():
        if name.startswith("VECDOT_"):
            try:
                settings[name.removeprefix("VECDOT_")] = json.loads(value)
            except ValueError:
                settings[name.removeprefix("VECDOT_")] = value
    return settings


_GUNICORN_SETTINGS = ("bind", "workers", "threads", "timeout", "graceful_timeout", "limit_request_line")


@functools.cache
def _gunicorn(env_items):
    # A fresh interpreter with only this environment: the config's module-level code
    # patches gunicorn, and the test runner's own GUNICORN_* variables must not count.
    code = ("import json, runpy, sys; c = runpy.run_path(sys.argv[1]); "
            f"print(json.dumps({{k: c[k] for k in {_GUNICORN_SETTINGS!r}}}))")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **dict(env_items)}
    with tempfile.TemporaryDirectory() as metrics_dir:
        if "PROMETHEUS_MULTIPROC_DIR" in env:
            # Loading the config imports the app's metrics, which write there at once:
            # the pod has its volume mounted; here an empty directory stands in for it.
            env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        done = subprocess.run([sys.executable, "-c", code, str(WEB / "gunicorn.conf.py")],
                              env=env, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no error output"]
        raise ValueError(f"web/gunicorn.conf.py fails under this environment: {last[0]}")
    return json.loads(done.stdout)


def gunicorn(env):
    """gunicorn's settings as web/gunicorn.conf.py computes them under this environment."""
    return _gunicorn(tuple(sorted(env.items())))


def cpu_cores(quantity):
    """A Kubernetes CPU quantity ("2", "1500m", 2) in cores."""
    text = str(quantity)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def container_env(container):
    """The container's environment as the kubelet gives it: values, and the downward API's CPU limit."""
    env = {}
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = str(var["value"])
            continue
        ref = var.get("valueFrom", {}).get("resourceFieldRef")
        if ref is None or ref.get("resource") != "limits.cpu":
            raise ValueError(f"{var['name']}: only literal values and the CPU limit are understood here")
        limit = container.get("resources", {}).get("limits", {}).get("cpu")
        if limit is None:
            raise ValueError(f"{var['name']}: the CPU limit it refers to is not set")
        # The kubelet rounds up to whole divisors.
        env[var["name"]] = str(math.ceil(cpu_cores(limit) / cpu_cores(ref.get("divisor", "1"))))
    return env


def nginx_size(text):
    """An nginx size ("16m", "512k", "1048576") in bytes."""
    units = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    text = str(text).lower()
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)
