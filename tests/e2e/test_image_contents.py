"""The runtime image holds only what runs: no compiler, no headers, no pip, no root.

Each check starts a throwaway container with its own entrypoint (`docker run --rm`),
so it inspects the image itself, not a configured service.
"""

import json

import pytest
from conftest import inspect, run

pytestmark = pytest.mark.timeout(1800)  # the first test also waits for the image build


def in_image(image, *command):
    """Run a command in a throwaway container of the image; return its stdout."""
    return run(["docker", "run", "--rm", "--network=none", "--entrypoint", command[0], image,
                *command[1:]], timeout=60).stdout


# Python run inside the image; it prints JSON so the assertions stay on this side.
FIND_BUILD_TOOLS = """
import json, os, shutil
tools = ["gcc", "cc", "c99", "c++", "g++", "clang", "ld", "as", "make", "x86_64-linux-gnu-gcc",
         "aarch64-linux-gnu-gcc", "pip", "pip3"]
headers = []
for top in ("/usr", "/opt", "/app"):
    for root, dirs, files in os.walk(top):
        headers += [os.path.join(root, f) for f in files if f == "Python.h"]
print(json.dumps({"tools": {t: shutil.which(t) for t in tools if shutil.which(t)},
                  "headers": headers}))
"""


def test_runtime_image_has_no_compiler_or_build_tools(image):
    found = json.loads(in_image(image, "python", "-c", FIND_BUILD_TOOLS))
    assert found["tools"] == {}


def test_runtime_image_has_no_python_headers(image):
    found = json.loads(in_image(image, "python", "-c", FIND_BUILD_TOOLS))
    assert found["headers"] == []


def test_runtime_image_cannot_install_packages(image):
    # No pip in the virtualenv or the system Python: nothing is installed at run time.
    out = in_image(image, "python", "-c", "import importlib.util as u; print(u.find_spec('pip'))")
    assert out.strip() == "None"


def test_image_runs_as_a_fixed_non_root_user(image):
    # Numeric in the image config, so orchestrators can verify it without /etc/passwd.
    user = inspect(image, "{{.Config.User}}", kind="image")
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0 and gid.isdigit() and int(gid) != 0
    assert in_image(image, "id", "-u").strip() == uid


def test_image_runs_the_extension_it_compiled(image):
    # The build stage's full-API wheel, for the image's own CPython, in the runtime's
    # virtualenv: the module carries that CPython's suffix, not abi3's.
    out = in_image(image, "python", "-c",
                   "import sysconfig, vecdot, vecdot._vecdot as m; print(m.__file__);"
                   " print(sysconfig.get_config_var('EXT_SUFFIX')); print(vecdot.dot([1, 2], [3, 4]))")
    path, suffix, result = out.split()
    assert path.startswith("/opt/venv/") and path.endswith("/_vecdot" + suffix)
    assert suffix.startswith(".cpython-313-")
    assert result == "11.0"


def test_image_starts_gunicorn_in_exec_form_with_a_healthcheck(image):
    config = json.loads(inspect(image, "{{json .Config}}", kind="image"))
    # Exec form: gunicorn itself receives SIGTERM, not a shell that ignores it.
    assert config["Cmd"][0] == "gunicorn"
    assert not config.get("Entrypoint")
    assert config["Healthcheck"]["Test"][0] == "CMD"
    assert "/healthz" in " ".join(config["Healthcheck"]["Test"])


def test_runtime_image_carries_only_the_docs_assets_the_page_loads(image):
    # swagger-ui-py ships ~25 MB of editor bundles and source maps; GET /docs needs three files.
    listing = in_image(image, "python", "-c",
                       "import importlib.util, os; s = importlib.util.find_spec('swagger_ui');"
                       "print(*sorted(os.listdir(os.path.join(s.submodule_search_locations[0], 'static'))))")
    assert listing.split() == sorted(["favicon-32x32.png", "swagger-ui-bundle.js", "swagger-ui.css"])
