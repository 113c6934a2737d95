"""What the limited API costs: the same C built as abi3 and against the full API.

    .venv/bin/python bench/limited_api.py

Builds lib/ with VECDOT_FULL_API=1 into bench/out/fullapi (a version-specific
extension whose list path reads items and float values with the full API's
macros), then times vecdot.dot on lists and on float64 arrays with both builds,
interleaved, in child processes of this same interpreter. Prints ns per call.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "fullapi"

TIMER = r"""
import random, timeit, array, vecdot
random.seed(1)
kind = vecdot._vecdot.__file__.rsplit("/", 1)[1]
for n in (3, 1000, 100000):
    a = [random.random() for _ in range(n)]
    b = [random.random() for _ in range(n)]
    for label, x, y in (("lists", a, b), ("array('d')", array.array("d", a), array.array("d", b))):
        reps = max(10, 200000 // n)
        t = min(timeit.repeat(lambda: vecdot.dot(x, y), number=reps, repeat=9)) / reps
        print(f"{kind:40} {label:11} n={n:>6}: {t * 1e9:10.0f} ns")
"""


def build_full_api():
    shutil.rmtree(OUT, ignore_errors=True)
    shutil.rmtree(ROOT / "lib" / "build", ignore_errors=True)  # no stale abi3 objects
    env = {**os.environ, "VECDOT_FULL_API": "1"}
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(OUT), str(ROOT / "lib")],
        env=env, check=True,
    )
    shutil.rmtree(ROOT / "lib" / "build", ignore_errors=True)  # nor leave full-API ones


def main():
    print("building lib/ against the full API into bench/out/fullapi ...", flush=True)
    build_full_api()
    for _ in range(2):  # interleaved: abi3, full, abi3, full
        subprocess.run([sys.executable, "-c", TIMER], check=True)
        subprocess.run([sys.executable, "-c", TIMER], check=True,
                       env={**os.environ, "PYTHONPATH": str(OUT)})


if __name__ == "__main__":
    main()
