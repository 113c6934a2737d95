#!/usr/bin/env bash
# The library tests under valgrind memcheck: `make test-valgrind`.
#
# PYTHONMALLOC=malloc sends every Python allocation through malloc, where memcheck
# sees it; the extension is the release build (lib/setup.py's -O3) plus -g for line
# numbers, built from a copy of lib/ into build/valgrind/site and put first on
# PYTHONPATH. Child interpreters (the tests' crash-isolated cases) run under
# memcheck too. Every process writes an XML report to build/valgrind/; then:
#   - an invalid read or write, use of uninitialised memory, bad free or overlapping
#     copy fails the run when any of its stacks (where it happened, where the block
#     was allocated or freed) has a frame in the extension;
#   - a definite leak fails the run when its allocation was made by the extension;
#   - everything else (CPython's and libc's known reports under memcheck, the
#     interpreter's blocks at exit) is counted by kind and place, not judged.
#
# The long loops are shortened (VECDOT_LEAK_CALLS, VECDOT_HOSTILE_EXAMPLES): memcheck
# checks each access, so a few hundred calls exercise every path as well.
#
# Usage: scripts/valgrind.sh [pytest arguments; default: tests/lib]
# Environment: PY (default .venv/bin/python); VALGRIND_VERDICT_ONLY=1 judges the
# reports of the last run again without running anything. Installs valgrind if missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'valgrind: %s\n' "$*" >&2; }

py=${PY:-.venv/bin/python}
[[ -x $py ]] || { say "error: no $py; run make venv first"; exit 1; }
tests=("$@")
# valgrind runs one thread at a time, so the test that two threads' dot products
# overlap (the GIL released) cannot pass under it; every other lib test runs.
((${#tests[@]})) || tests=(tests/lib
    --deselect tests/lib/test_extension_threads.py::test_two_threads_computing_large_dots_overlap)

if ! command -v valgrind >/dev/null; then
    say "installing valgrind"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq
    timeout 900 apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi

out=$PWD/build/valgrind
if [[ ${VALGRIND_VERDICT_ONLY:-} == 1 ]]; then
    pytest_status=0   # judge the reports of the last run again (after changing the rules)
else
# ---- build --------------------------------------------------------------------
rm -rf "$out"
mkdir -p "$out/src" "$out/reports"
tar -C lib --exclude=./build --exclude='*.egg-info' --exclude='*.so' -cf - . | tar -C "$out/src" -xf -
say "building the extension with -g into build/valgrind/site"
CFLAGS="-g" timeout 600 "$py" -m pip install --quiet --no-deps --target "$out/site" "$out/src"

# ---- run --------------------------------------------------------------------
export PYTHONPATH=$out/site${PYTHONPATH:+:$PYTHONPATH}
export PYTHONMALLOC=malloc
export VECDOT_LEAK_CALLS=${VECDOT_LEAK_CALLS:-300}
export VECDOT_HOSTILE_EXAMPLES=${VECDOT_HOSTILE_EXAMPLES:-40}
where=$("$py" -c 'import vecdot._vecdot as m; print(m.__file__)')
[[ $where == "$out"/site/* ]] || { say "error: tests would import $where, not the build here"; exit 1; }

say "running pytest ${tests[*]} under memcheck (slow: tens of minutes on 2 cores)"
start=$SECONDS
set +e
timeout 5400 valgrind --tool=memcheck --trace-children=yes --child-silent-after-fork=yes \
    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --num-callers=24 --track-origins=no --xml=yes --xml-file="$out/reports/vg.%p.xml" \
    "$py" -m pytest -q -p no:cacheprovider -p no:faulthandler "${tests[@]}"
pytest_status=$?
set -e
say "pytest under memcheck exited $pytest_status after $((SECONDS - start)) s"
fi

# ---- verdict ------------------------------------------------------------------
verdict=0
"$py" - "$out/reports" <<'EOF' || verdict=1
"""Sort memcheck's XML reports into vecdot's problems and everyone else's.

An error is vecdot's when a frame of any of its stacks (where it happened, where the
block was allocated or freed) is in the extension. A leak is vecdot's when the
allocation's stack reaches a vecdot frame before any of tracemalloc's own: the tests
that use tracemalloc make it record vecdot's allocations in blocks of its own, which
it drops when stopped, and those are tracemalloc's."""
import collections
import pathlib
import sys
import xml.etree.ElementTree as ET

MARKS = ("_vecdot", "/lib/c/", "/src/c/")
TRACEMALLOC = ("traceback_new", "tracemalloc_")


def is_ours(frame):
    return any(mark in (frame.findtext(tag) or "") for mark in MARKS for tag in ("obj", "dir"))


def leak_is_ours(frames):
    for frame in frames:
        if (frame.findtext("fn") or "").startswith(TRACEMALLOC):
            return False
        if is_ours(frame):
            return True
    return False


files = sorted(pathlib.Path(sys.argv[1]).glob("vg.*.xml"))
ours, theirs, broken = [], collections.Counter(), 0
for path in files:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        broken += 1  # a process still running, or killed mid-write
        continue
    for error in root.iter("error"):
        kind = error.findtext("kind")
        frames = list(error.iter("frame"))
        where = " <- ".join(f.findtext("fn") or "?" for f in frames[:8])
        if kind.startswith("Leak_"):
            mine = leak_is_ours(list(error.find("stack").iter("frame")))
            place = frames[1] if len(frames) > 1 else None
        else:
            mine = any(is_ours(f) for f in frames)
            place = frames[0] if frames else None
        if mine:
            ours.append((path.name, kind, where))
        else:
            theirs[f"{kind} in {place.findtext('fn') if place is not None else '?'}"] += 1
print(f"valgrind: {len(files)} processes; {len(ours)} errors or definite leaks in vecdot; "
      f"{sum(theirs.values())} outside it (the interpreter, libc, numpy, tracemalloc: "
      f"{', '.join(f'{k} x{v}' for k, v in theirs.most_common(6)) or 'none'})"
      + (f"; {broken} unreadable reports" if broken else ""), file=sys.stderr)
for name, kind, where in ours[:20]:
    print(f"  {name}: {kind}: {where}", file=sys.stderr)
sys.exit(1 if ours else 0)
EOF
if ((pytest_status == 0 && verdict == 0)); then say "clean"; else say "FAILED"; fi
exit $((pytest_status || verdict))
