"""The CPythons this machine has, found at run time: every `python3` and `python3.N` on
PATH and every build under `pyenv root`/versions, each asked for its own version.

Virtualenvs are left out (their base interpreter is what counts), and so are copies of
one interpreter reached by several names (/bin/python3 and /usr/bin/python3.11).
"""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# What each candidate reports about itself, one field a line.
_PROBE = (
    "import os, sys, sysconfig\n"
    "print(sys.implementation.name)\n"
    "print('.'.join(map(str, sys.version_info[:3])))\n"
    "print(os.path.realpath(sys.executable))\n"
    "print(int(sys.prefix != sys.base_prefix))\n"
    "print(int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))))\n"
)


@dataclass(frozen=True)
class Python:
    version: str  # "3.12.1"
    executable: str  # resolved, so two names of one file compare equal
    free_threaded: bool

    @property
    def minor(self):
        return tuple(int(p) for p in self.version.split(".")[:2])

    def __str__(self):
        return f"{self.version} ({self.executable})"


def _candidates():
    names = re.compile(r"python3(\.\d+t?)?")  # python3.14t: free-threaded
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        # pyenv's shims run whichever version is selected; its builds are listed below.
        if not directory or directory.endswith(os.sep + "shims") or not os.path.isdir(directory):
            continue
        for entry in sorted(os.listdir(directory)):
            if names.fullmatch(entry):
                yield os.path.join(directory, entry)
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30).stdout.strip()
        yield from sorted(str(p) for p in Path(root, "versions").glob("*/bin/python3"))


def _probe(path):
    try:
        out = subprocess.run([path, "-c", _PROBE], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    fields = out.stdout.split("\n")
    if out.returncode != 0 or len(fields) < 5 or fields[0] != "cpython" or fields[3] == "1":
        return None
    return Python(version=fields[1], executable=fields[2], free_threaded=fields[4] == "1")


def find():
    """Every CPython here, newest version first, one entry per interpreter."""
    found = {}
    for path in _candidates():
        python = _probe(path)
        if python is not None:
            found.setdefault(python.executable, python)
    return sorted(found.values(), key=lambda p: (p.minor, p.version, p.executable), reverse=True)


def this_one():
    """The interpreter running the tests (the base of .venv)."""
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))
