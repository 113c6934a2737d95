"""Instructions per call at n=3, counted by valgrind's callgrind: call overhead without the noise.

Nanoseconds on a shared 2-core machine move with whatever else runs; instruction counts
do not (the same binary and inputs give the same count). This counts, for each
contender of the call-overhead target, the instructions one call costs: a run making
CALLS calls minus a run making none, divided by CALLS. For vecdot it also lists where
its instructions go, by function. Needs valgrind (scripts/bench-deps.sh installs it).
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import UNROLL

OUT = Path(__file__).resolve().parent / "out"
CALLS = 100_000

# name: (setup, call); run in a function so that every name is a local, as in micro.py.
CASES = {
    "noop": ("from _probe import noop as f; a = [1.0, 2.0, 3.0]; b = [4.0, 5.0, 6.0]", "f(a, b)"),
    "cython_list": ("from cydot import dot_list as f; a = [1.0, 2.0, 3.0]; b = [4.0, 5.0, 6.0]", "f(a, b)"),
    "vecdot_list": ("from vecdot import dot as f; a = [1.0, 2.0, 3.0]; b = [4.0, 5.0, 6.0]", "f(a, b)"),
    "vecdot": ("from vecdot import dot as f; import numpy; a = numpy.array([1.0, 2.0, 3.0]); "
               "b = numpy.array([4.0, 5.0, 6.0])", "f(a, b)"),
    "numpy": ("from numpy import dot as f; import numpy; a = numpy.array([1.0, 2.0, 3.0]); "
              "b = numpy.array([4.0, 5.0, 6.0])", "f(a, b)"),
}

# The call is written out UNROLL times per loop iteration, as in the timings, so the
# loop's own instructions are spread over that many calls.
SCRIPT = """
import sys
sys.path.insert(0, {out!r})
{setup}
def run(loops, f=f, a=a, b=b):
    for _ in range(loops):
{body}
run(int(sys.argv[1]) // {unroll})
"""


def count(script, calls, out_file):
    proc = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                           sys.executable, str(script), str(calls)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"callgrind on {script.name} failed:\n{proc.stderr[-2000:]}")
    return out_file


def total(out_file):
    text = Path(out_file).read_text()
    return int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))


def self_costs(out_file):
    """{file:function: self instructions}, from callgrind_annotate."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", str(out_file)],
                          capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S+):(\S+)", line)
        if m and "PROGRAM TOTALS" not in line:
            key = f"{Path(m.group(2)).name}:{m.group(3)}"
            costs[key] = costs.get(key, 0) + int(m.group(1).replace(",", ""))
    return costs


def top_functions(base_file, full_file, calls, limit=10):
    """The functions one call spends its instructions in: [[per call, file:function]]."""
    base, full = self_costs(base_file), self_costs(full_file)
    per_call = {k: (v - base.get(k, 0)) / calls for k, v in full.items()}
    ranked = sorted(per_call.items(), key=lambda kv: -kv[1])[:limit]
    return [[round(v, 1), k] for k, v in ranked if v >= 1]


def run():
    if shutil.which("valgrind") is None:
        raise RuntimeError("valgrind is not installed")
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (setup, call) in CASES.items():
            script = Path(tmp) / f"calls_{name}.py"  # not vecdot.py: it would shadow the module
            body = f"        {call}\n" * UNROLL
            script.write_text(SCRIPT.format(out=str(OUT), setup=setup, body=body, unroll=UNROLL))
            base_file = count(script, 0, Path(tmp) / f"{name}.0")
            full_file = count(script, CALLS, Path(tmp) / f"{name}.n")
            result[name] = {"instructions_per_call": (total(full_file) - total(base_file)) / CALLS}
            if name.startswith("vecdot"):
                result[name]["top_functions"] = top_functions(base_file, full_file, CALLS)
    return result
