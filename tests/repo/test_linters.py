"""The linters of `make lint` find what they are there to find, with the repository's own configuration.

A linter configured to find nothing would pass every tree. Each case here is a small
file with one real mistake, linted from a directory that carries the repository's
config (ruff.toml, .yamllint.yaml; cppcheck's flags from the Makefile), and must be
reported; its fixed twin must pass, so the case proves the rule, not a broken tool.
"""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the linters live in the same virtualenv (requirements-lint.txt)


def makefile_variable(name):
    """A variable's value in the Makefile, continuation lines joined."""
    text = (REPO / "Makefile").read_text().replace("\\\n", " ")
    return shlex.split(re.search(rf"^{name}\s*:?=(.*)$", text, re.MULTILINE).group(1))


# cppcheck: an else-if that repeats its if's condition (multiCondition, a style check:
# by default cppcheck reports errors only, so this proves the Makefile's --enable).
SIGN_C = """int
sign(int x)
{
    int s = 0;
    if (x > 0) {
        s = 1;
    }
    else if (x %s 0) {
        s = -1;
    }
    return s;
}
"""

CASES = {
    # ruff: an unused import (F401) and a zip() of vectors without strict= (B905).
    "ruff": ("check.py", "import os\n\nprint(list(zip([1], [2])))\n", "print(list(zip([1], [2], strict=True)))\n",
             ["ruff", "check", "--no-cache", "check.py"]),
    # shellcheck: an unquoted expansion that word-splits (SC2086).
    "shellcheck": ("check.sh", '#!/bin/sh\nrm -f $1\n', '#!/bin/sh\nrm -f "$1"\n', ["shellcheck", "check.sh"]),
    # hadolint: cd inside RUN instead of WORKDIR (DL3003) and no USER.
    "hadolint": ("Dockerfile", "FROM debian:trixie-slim\nRUN cd /tmp && true\n",
                 "FROM debian:trixie-slim\nWORKDIR /tmp\nUSER 999\n", ["hadolint", "Dockerfile"]),
    # yamllint: a duplicated key, which YAML loaders silently resolve to the last one.
    "yamllint": ("check.yml", "services:\n  a: 1\n  a: 2\n", "services:\n  a: 1\n",
                 ["yamllint", "--strict", "check.yml"]),
    "cppcheck": ("check.c", SIGN_C % ">", SIGN_C % "<", ["cppcheck", *makefile_variable("CPPCHECK_FLAGS"), "check.c"]),
}


@pytest.mark.parametrize("tool", sorted(CASES))
def test_linter_reports_a_real_mistake_and_passes_its_fix(tool, tmp_path):
    name, bad, good, command = CASES[tool]
    for config in ("ruff.toml", ".yamllint.yaml"):
        shutil.copy(REPO / config, tmp_path / config)
    # The Python linters are in the virtualenv; cppcheck is a system package (.ci/run).
    executable = str(BIN / command[0]) if (BIN / command[0]).exists() else shutil.which(command[0])
    assert executable, f"{command[0]} is not installed"

    (tmp_path / name).write_text(bad)
    found = subprocess.run([executable, *command[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert found.returncode != 0, f"{tool} passed a file with a mistake:\n{bad}\n{found.stdout}"

    (tmp_path / name).write_text(good)
    clean = subprocess.run([executable, *command[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert clean.returncode == 0, f"{tool} rejected the fixed file:\n{good}\n{clean.stdout}{clean.stderr}"
