"""The library tests (tests/lib) against an installed wheel, in a fresh virtualenv per
interpreter, two suites at a time.

Each run: `python -m venv`, the test dependencies at the versions the repository pins,
the wheel, then `pytest -m "not slow" lib` from tests/, where lib/vecdot (source without
its compiled module) is not importable, so the tests import the installed wheel.
"""

import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pythons import Python

REPO = Path(__file__).resolve().parents[2]
# The seconds-long leak loops and crash isolation (-m slow) run in make test-lib.
MARKERS = "not slow"

_PROBE = ("import sysconfig, vecdot._vecdot as m\n"
          "print(m.__file__)\nprint(sysconfig.get_config_var('EXT_SUFFIX'))\n")


@dataclass(frozen=True)
class Case:
    minor: tuple  # (3, 12)
    python: Python | None  # None: no CPython of that version here
    build: str  # "abi3" or "full"

    def __str__(self):
        version = ".".join(map(str, self.minor))
        return f"{version}-{self.build}" if self.python is None else f"{self.python.version}-{self.build}"


@dataclass
class Outcome:
    module: str  # the extension's file name, as imported
    ext_suffix: str  # the interpreter's own suffix for a version-specific module
    returncode: int
    summary: str  # pytest's closing line
    output: str
    seconds: float


def _pins(*files):
    """name==version lines of the repository's requirement files (their -r lines left out)."""
    return "".join(line + "\n" for f in files for line in (REPO / f).read_text().splitlines()
                   if re.match(r"[A-Za-z0-9]", line))


class Runner:
    def __init__(self, dist, root, pyproject, clean_env, report):
        self.dist, self.root, self.clean_env, self.report = dist, root, clean_env, report
        self.requires = pyproject["tool"]["cibuildwheel"]["test-requires"]  # the same list cibuildwheel installs
        self.constraints = root / "constraints.txt"
        self.constraints.write_text(_pins("requirements.txt", "requirements-dev.txt"))
        self.pool = ThreadPoolExecutor(max_workers=2)  # the machine has two cores
        self.futures = {}

    def start(self, case):
        # Nothing to run without an interpreter, or on a free-threaded one (no abi3 there).
        if case.python is None or case.python.free_threaded:
            return
        if case not in self.futures:
            self.futures[case] = self.pool.submit(self._run, case)

    def result(self, case):
        self.start(case)
        return self.futures[case].result()

    def close(self):
        self.pool.shutdown(cancel_futures=True)

    def _sh(self, command, **kwargs):
        return subprocess.run([str(c) for c in command], capture_output=True, text=True,
                              env=self.clean_env(), **kwargs)

    def _run(self, case):
        start = time.monotonic()
        venv = self.root / str(case)
        python = venv / "bin" / "python"
        # .venv's pip installs into the new environment: no pip of its own to set up.
        pip = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--disable-pip-version-check"]
        if case.build == "abi3":
            wheel = [*pip, "--no-deps", self.dist.abi3]
        else:
            # Both wheels on offer: pip must choose the version-specific one itself.
            wheel = [*pip, "--no-deps", "--no-index", "--find-links", self.dist.directory, "vecdot"]
        steps = [
            [case.python.executable, "-m", "venv", "--without-pip", venv],
            [*pip, "-c", self.constraints, *self.requires],
            wheel,
        ]
        for step in steps:
            done = self._sh(step, timeout=600)
            if done.returncode != 0:
                return self._finish(case, start, Outcome("", "", done.returncode, "setup failed",
                                                         done.stdout + done.stderr, 0))
        probe = self._sh([python, "-c", _PROBE], cwd=REPO / "tests", timeout=60)
        module, suffix = (probe.stdout.split("\n") + ["", ""])[:2]
        command = [python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", MARKERS, "lib"]
        # tests/lib reads VECDOT_FULL_API to know which module file name to expect.
        env = self.clean_env(HYPOTHESIS_STORAGE_DIRECTORY=str(venv / "hypothesis"),
                             VECDOT_FULL_API="1" if case.build == "full" else "0")
        tests = subprocess.run([str(c) for c in command], cwd=REPO / "tests", env=env,
                               capture_output=True, text=True, timeout=1800)
        lines = tests.stdout.strip().splitlines()
        outcome = Outcome(Path(module).name, suffix, tests.returncode, lines[-1] if lines else "",
                          tests.stdout + tests.stderr, time.monotonic() - start)
        return self._finish(case, start, outcome)

    def _finish(self, case, start, outcome):
        outcome.seconds = time.monotonic() - start
        self.report.append(f"{case.python} {case.build}: {outcome.module or '-'}: "
                           f"{outcome.summary} ({outcome.seconds:.0f} s with setup)")
        return outcome
