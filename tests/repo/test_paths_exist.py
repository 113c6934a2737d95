"""Every repository path named in a comment, docstring or doc exists.

A path such as ``lib/c/dot.c`` or ``tests/web/test_web_openapi.py`` written anywhere
in a tracked text file must name a tracked file or directory (globs such as
``lib/c/py_*.c`` must match one), so that a rename or a deletion cannot leave a
comment pointing at nothing. Paths the project's own commands create (build
outputs, the virtualenv) are listed in GENERATED, each with what makes it.
"""

import fnmatch
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Top-level directories whose paths are checked; a path must start with one.
ROOTS = ("lib", "web", "tests", "bench", "docs", "scripts", "deploy", ".ci", ".github")
_ROOT = "|".join(re.escape(r) for r in ROOTS)
PATH = re.compile(rf"(?<![\w./-])((?:{_ROOT})/[\w.*/-]*[\w*/])")

# Made by a command, never tracked: path prefix -> what makes it.
GENERATED = {
    "bench/out": "make bench writes its results and builds there",
    "build/": "make test-c and scripts/fuzz.sh build there",
    "lib/*.egg-info": "setuptools' metadata, left by pip install ./lib",
    "lib/build": "setuptools' build directory (make lib removes it first)",
    "tests/c/test_kernel": "an old build output, listed in .gitignore",
    "lib/vecdot/_vecdot": "the compiled extension, built by pip install ./lib",
}

TEXT_SUFFIXES = {".py", ".c", ".h", ".md", ".sh", ".yml", ".yaml", ".toml", ".ini", ".lua", ".pyx", ".pyi",
                 ".cfg", ".txt", ".conf", ".json", ".in"}
TEXT_NAMES = {"Makefile", "Dockerfile", "run", ".dockerignore", ".gitignore"}


def tracked():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return [p for p in out.decode().split("\0") if p]


FILES = tracked()
EXISTING = set(FILES)  # every tracked file, and every directory above one
for f in FILES:
    parts = Path(f).parts
    EXISTING.update("/".join(parts[:i]) for i in range(1, len(parts)))


def exists(path):
    path = path.rstrip("/")
    if any(c in path for c in "*?["):
        return any(fnmatch.fnmatchcase(p, path) for p in EXISTING)
    return path in EXISTING


def mentions():
    for name in FILES:
        p = Path(name)
        if p.suffix not in TEXT_SUFFIXES and p.name not in TEXT_NAMES:
            continue
        text = (REPO / p).read_text(errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            for m in PATH.finditer(line):
                path = m.group(1).rstrip(".")
                if path.endswith("/..."):
                    continue
                if any(path.startswith(g) for g in GENERATED):
                    continue
                yield name, lineno, path


def test_every_path_named_in_the_repository_exists():
    missing = [f"{name}:{lineno}: {path}" for name, lineno, path in mentions() if not exists(path)]
    assert not missing, "paths named but not in the repository:\n" + "\n".join(missing)


@pytest.mark.parametrize("path, expected", [
    ("lib/c/dot.c", True),
    ("lib/c/py_*.c", True),
    ("tests/web/", True),
    # Names comments once gave (bench/c/probe.c, openapi.py): the check must catch them.
    # Built from parts, so that this file does not itself name a missing path.
    ("lib/c/" + "module.c", False),
    ("tests/web/" + "test_openapi.py", False),
])
def test_the_check_tells_real_paths_from_missing_ones(path, expected):
    assert exists(path) is expected
