"""Fixtures for the distribution tests: the sdist and both wheels, built once per run.

`python -m build lib` makes the sdist, then the abi3 wheel from the unpacked sdist,
not from lib/; the full-API wheel is built from that same sdist with
VECDOT_FULL_API=1. A file missing from the sdist so fails a build, or the library
tests that test_install.py runs on the installed wheels.
"""

import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import suites
from dist_env import PYPROJECT, REPO, clean_env, run


@dataclass(frozen=True)
class Dist:
    directory: Path
    sdist: Path
    abi3: Path  # cp311-abi3, any CPython from 3.11
    full: Path  # cp3XY-cp3XY, this interpreter's version only


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", out, REPO / "lib"])
    (sdist,) = out.glob("vecdot-*.tar.gz")
    (abi3,) = out.glob("vecdot-*-abi3-*.whl")
    source = tmp_path_factory.mktemp("sdist")
    with tarfile.open(sdist) as archive:
        archive.extractall(source, filter="data")
    (unpacked,) = source.iterdir()
    run([sys.executable, "-m", "build", "--wheel", "--outdir", out, unpacked], env=clean_env(VECDOT_FULL_API="1"))
    (full,) = (w for w in out.glob("vecdot-*.whl") if w != abi3)
    return Dist(out, sdist, abi3, full)


@pytest.fixture(scope="session")
def report(request):
    """Lines for the summary at the end of the run: what was built, and where it ran."""
    return request.config.stash[REPORT]


@pytest.fixture(scope="session")
def lib_suites(request, dist, report, tmp_path_factory):
    """The library suites that this session's tests ask for, all started at the first
    request so that two run at a time; each test then waits for its own."""
    runner = suites.Runner(dist, tmp_path_factory.mktemp("venvs"), PYPROJECT, clean_env, report)
    for item in request.session.items:
        case = getattr(item, "callspec", None) and item.callspec.params.get("case")
        if isinstance(case, suites.Case):
            runner.start(case)
    yield runner
    runner.close()


REPORT = pytest.StashKey[list]()


def pytest_configure(config):
    config.stash[REPORT] = []


def pytest_terminal_summary(terminalreporter, config):
    if config.stash[REPORT]:
        terminalreporter.section("distribution")
        for line in config.stash[REPORT]:
            terminalreporter.write_line(line)
