"""The two wheels: their tags, their files, the abi3 audit and the manylinux tag.

The abi3 wheel (cp311-abi3) must use nothing outside the limited API of 3.11, or it
would fail to load on a later CPython: abi3audit --strict checks every symbol the
module imports. auditwheel names the manylinux tag its glibc symbols allow, and
`auditwheel repair` writes the wheel with that tag, as cibuildwheel does in CI.
"""

import json
import platform
import re
import subprocess
import sys
import sysconfig
import zipfile

import pytest
from dist_env import BIN, run
from packaging.tags import Tag
from packaging.utils import parse_wheel_filename

ARCH = platform.machine()
THIS = f"cp{sys.version_info.major}{sys.version_info.minor}"
PYTHON_FILES = {"vecdot/__init__.py", "vecdot/_native.py", "vecdot/_vecdot.pyi", "vecdot/py.typed"}


def tags(wheel):
    return parse_wheel_filename(wheel.name)[3]


def package_files(wheel):
    with zipfile.ZipFile(wheel) as archive:
        return {n for n in archive.namelist() if n.startswith("vecdot/") and not n.endswith("/")}


def test_abi3_wheel_is_one_build_for_every_cpython_from_3_11(dist):
    assert tags(dist.abi3) == {Tag("cp311", "abi3", f"linux_{ARCH}")}
    assert package_files(dist.abi3) == PYTHON_FILES | {"vecdot/_vecdot.abi3.so"}


def test_full_api_wheel_is_for_the_interpreter_that_built_it(dist):
    assert tags(dist.full) == {Tag(THIS, THIS, f"linux_{ARCH}")}
    assert package_files(dist.full) == PYTHON_FILES | {"vecdot/_vecdot" + sysconfig.get_config_var("EXT_SUFFIX")}


def abi3audit(path, *options):
    result = subprocess.run([BIN / "abi3audit", "--strict", "--report", *options, path],
                            capture_output=True, text=True, timeout=300)
    (report,) = json.loads(result.stdout.splitlines()[0])["specs"].values()
    return result.returncode, report


def test_abi3audit_finds_no_symbol_outside_the_limited_api_of_3_11(dist):
    returncode, report = abi3audit(dist.abi3)
    (module,) = report["wheel"]
    assert module["name"] == "_vecdot.abi3.so"
    assert module["result"]["baseline"] == "3.11" and module["result"]["computed"] == "3.11"
    assert module["result"]["non_abi3_symbols"] == []
    assert returncode == 0


def test_abi3audit_reports_a_symbol_outside_the_limited_api(tmp_path):
    # The audit is not configured to find nothing: a module calling PyCode_NewEmpty,
    # which the stable ABI lacks, fails it.
    (tmp_path / "bad.c").write_text("extern void *PyCode_NewEmpty(const char *, const char *, int);\n"
                                    "void *probe(void) { return PyCode_NewEmpty(\"f\", \"g\", 1); }\n")
    module = tmp_path / "bad.abi3.so"
    run(["cc", "-shared", "-fPIC", "-o", module, tmp_path / "bad.c"])
    returncode, report = abi3audit(module, "--assume-minimum-abi3", "3.11")
    assert report["object"]["result"]["non_abi3_symbols"] == ["PyCode_NewEmpty"]
    assert returncode != 0


@pytest.fixture(scope="module")
def manylinux_tag(dist, report):
    shown = run([BIN / "auditwheel", "show", dist.abi3]).stdout
    found = re.search(rf'platform tag:\s+"(manylinux_\d+_\d+_{ARCH})"', shown)
    assert found, shown
    # Only the C library and the math library: nothing to bundle into the wheel.
    libraries = set(re.findall(r"(lib[\w+-]+\.so\.\d+)", shown))
    assert libraries <= {"libc.so.6", "libm.so.6"}, shown
    report.append(f"auditwheel: {dist.abi3.name} is {found[1]} (built here, glibc {platform.libc_ver()[1]})")
    return found[1]


def test_auditwheel_repair_writes_the_manylinux_wheel(dist, manylinux_tag, tmp_path):
    run([BIN / "auditwheel", "repair", "--wheel-dir", tmp_path, dist.abi3])
    (repaired,) = tmp_path.glob("*.whl")
    assert {str(t) for t in tags(repaired)} == {f"cp311-abi3-{manylinux_tag}"}
    # Nothing grafted (no vecdot.libs/): the module needs only what every glibc system has.
    assert package_files(repaired) == package_files(dist.abi3)
