"""The wheel matrix that [tool.cibuildwheel] in lib/pyproject.toml selects is the intended one.

cibuildwheel lists what it would build on each platform without building anything, so
this runs here for Linux, macOS and Windows alike; the builds themselves run in CI
(.github/workflows/wheels.yml), once per API (VECDOT_FULL_API=0 and 1).
"""

import re

import pytest
from dist_env import BIN, PYPROJECT, REPO, clean_env, run

# The intended matrix. CPython 3.11 (the limited-API floor) to 3.14: not the
# free-threaded builds (3.14t), and not 3.15, whose wheels could not be tested for
# want of a numpy wheel (docs/building.md). Linux as manylinux and musllinux, each on
# x86_64 and aarch64; macOS on Intel and Apple silicon; Windows on x86-64.
VERSIONS = ["cp311", "cp312", "cp313", "cp314"]
PLATFORMS = {
    "linux": ["manylinux_x86_64", "manylinux_aarch64", "musllinux_x86_64", "musllinux_aarch64"],
    "macos": ["macosx_x86_64", "macosx_arm64"],
    "windows": ["win_amd64"],
}


def listed(platform, **env):
    out = run([BIN / "cibuildwheel", "--platform", platform, "--print-build-identifiers", "lib"],
              cwd=REPO, env=clean_env(**env), timeout=120).stdout
    return sorted(out.split())


@pytest.mark.parametrize("api", ["0", "1"])
@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_cibuildwheel_builds_the_intended_matrix(platform, api):
    intended = sorted(f"{v}-{p}" for v in VERSIONS for p in PLATFORMS[platform])
    assert listed(platform, VECDOT_FULL_API=api) == intended


def test_classifiers_name_the_versions_the_matrix_builds():
    classified = [c.rsplit(":: ", 1)[1] for c in PYPROJECT["project"]["classifiers"]
                  if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert [f"cp{v.replace('.', '')}" for v in classified] == VERSIONS


def test_wheel_tests_install_the_versions_the_repository_pins():
    # cibuildwheel's test-requires cannot read a requirements file: the versions are
    # repeated in lib/pyproject.toml and must stay those of requirements-dev.txt.
    pins = dict(line.split("==") for line in (REPO / "requirements-dev.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    requires = PYPROJECT["tool"]["cibuildwheel"]["test-requires"]
    assert requires and all(pins[name] == version for name, version in (r.split("==") for r in requires))
