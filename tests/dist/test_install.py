"""The wheels, installed in fresh virtualenvs, pass the library tests on every CPython here.

The abi3 wheel runs on each CPython from 3.11 on that this machine has (pythons.py finds
them at run time). The interpreter running these tests gets the full-API wheel instead,
chosen by pip from both: make test-lib has already run the abi3 build on it. A version
the wheels claim (the classifiers) with no interpreter here is skipped, by name.
"""

import re

import pytest
import pythons
from dist_env import PYPROJECT
from suites import Case

CLAIMED = sorted({tuple(int(n) for n in m.groups())
                  for c in PYPROJECT["project"]["classifiers"]
                  if (m := re.fullmatch(r"Programming Language :: Python :: (3)\.(\d+)", c))})
FOUND = [p for p in pythons.find() if p.minor >= CLAIMED[0]]
OURS = pythons.this_one()


def cases():
    minors = sorted(set(CLAIMED) | {p.minor for p in FOUND})
    for minor in minors:
        here = [p for p in FOUND if p.minor == minor]
        if not here:
            yield Case(minor, None, "abi3")
        for python in here:
            yield Case(minor, python, "full" if python.executable == OURS else "abi3")


CASES = list(cases())


def outcome_of(case, lib_suites):
    if case.python is None:
        pytest.skip(f"no CPython {'.'.join(map(str, case.minor))} on this machine (PATH, pyenv root)")
    if case.python.free_threaded:
        pytest.skip(f"{case.python} is free-threaded: no abi3 module loads there (docs/building.md)")
    return lib_suites.result(case)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_pip_installs_the_build_meant_for_the_interpreter(case, lib_suites):
    outcome = outcome_of(case, lib_suites)
    if case.build == "abi3":
        assert outcome.module == "_vecdot.abi3.so", outcome.output[-2000:]
    else:
        # pip prefers cp311-cp311 to cp311-abi3 when both would install.
        assert outcome.module == "_vecdot" + outcome.ext_suffix, outcome.output[-2000:]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_library_tests_pass_on_the_installed_wheel(case, lib_suites):
    outcome = outcome_of(case, lib_suites)
    assert outcome.returncode == 0, outcome.output[-4000:]
    assert re.search(r"\d+ passed", outcome.summary), outcome.summary
