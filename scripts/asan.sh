#!/usr/bin/env bash
# The library and web test suites against vecdot built with AddressSanitizer
# and UndefinedBehaviorSanitizer (gcc): `make test-asan`.
#
# The extension is built from a copy of lib/ into build/asan/site (the
# installed .venv is left alone) and put first on PYTHONPATH; the ASan
# runtime is LD_PRELOADed, since python itself is not instrumented, and
# PYTHONMALLOC=malloc sends every Python allocation through ASan too, so an
# overrun of an object vecdot writes is caught where pymalloc would hide it.
# Subprocesses (the real gunicorn in tests/web) inherit all of it.
#
# Leaks: CPython does not free everything at exit, so LeakSanitizer reports
# some blocks that are the interpreter's by design. Every process writes its
# reports to build/asan/reports/ with full stacks (the slow unwinder: libpython
# has no frame pointers); a leak allocated by the extension (_vecdot*.so,
# lib/c/) fails the run, the rest are counted by their top frames, not judged.
# Any AddressSanitizer error or UBSan runtime error fails the run, whoever
# caused it.
#
# Usage: scripts/asan.sh [pytest arguments; default: tests/lib tests/web]
# Environment: PY (default .venv/bin/python; `make venv` creates it).
# Installs gcc's sanitizer runtimes (libasan8, libubsan1) if missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'asan: %s\n' "$*" >&2; }

py=${PY:-.venv/bin/python}
[[ -x $py ]] || { say "error: no $py; run make venv first"; exit 1; }
tests=("$@")
((${#tests[@]})) || tests=(tests/lib tests/web)

# ---- tools --------------------------------------------------------------------
runtime() { readlink -f "$(gcc -print-file-name="$1")"; }
if [[ ! -e $(runtime libasan.so) || ! -e $(runtime libubsan.so) ]]; then
    say "installing libasan8 libubsan1"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq
    timeout 900 apt-get install -y -qq --no-install-recommends gcc libasan8 libubsan1 >/dev/null
fi
libasan=$(runtime libasan.so)

# ---- build --------------------------------------------------------------------
out=$PWD/build/asan
rm -rf "$out"
mkdir -p "$out/src" "$out/reports"
tar -C lib --exclude=./build --exclude='*.egg-info' --exclude='*.so' -cf - . | tar -C "$out/src" -xf -
say "building the extension with -fsanitize=address,undefined into build/asan/site"
# setuptools adds CFLAGS/LDFLAGS to its own (lib/setup.py), so the release
# flags stay and the sanitizers come on top; -fno-sanitize-recover turns every
# UB report into an abort the test run cannot miss.
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
CFLAGS="$san" LDFLAGS="$san" timeout 600 "$py" -m pip install --quiet --no-deps \
    --target "$out/site" "$out/src"
so=$(find "$out/site/vecdot" -name '_vecdot*.so')
[[ $(nm -D "$so") == *__asan_report* ]] || { say "error: $so is not instrumented"; exit 1; }

# ---- run --------------------------------------------------------------------
export LD_PRELOAD=$libasan${LD_PRELOAD:+:$LD_PRELOAD}
export PYTHONPATH=$out/site${PYTHONPATH:+:$PYTHONPATH}
export PYTHONMALLOC=malloc
export LSAN_OPTIONS=exitcode=0
where=$("$py" -c 'import vecdot._vecdot as m; print(m.__file__)')
[[ $where == "$out"/site/* ]] || { say "error: tests would import $where, not the ASan build"; exit 1; }

# One pass of pytest; its processes write their reports to build/asan/reports/NAME/.
# detect_leaks with exitcode=0: interpreter leaks must not fail a subprocess a test
# checks; the reports are judged below. allocator_may_return_null: a test may ask
# for an impossible size and expect MemoryError, not an ASan abort.
run_pass() {
    local name=$1 unwind=$2 frames=$3
    shift 3
    mkdir -p "$out/reports/$name"
    say "pass '$name': pytest $* (allocation stacks: $frames frames, $([[ $unwind == 1 ]] && echo fast || echo full) unwinding)"
    local start=$SECONDS status=0
    ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=$unwind:malloc_context_size=$frames:log_path=$out/reports/$name/asan:allocator_may_return_null=1:detect_stack_use_after_return=0:check_initialization_order=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$out/reports/$name/ubsan \
        timeout 3600 "$py" -m pytest -q -p no:cacheprovider "$@" || status=$?
    say "pass '$name': pytest exited $status after $((SECONDS - start)) s"
    return "$status"
}

pytest_status=0
# 1. The whole suite, as fast as ASan goes: every memory error and UB report. The
#    fast unwinder stops at libpython (built without frame pointers), so a leak's
#    stack may not reach the caller; pass 2 gives those their full stacks.
run_pass suite 1 30 "${tests[@]}" || pytest_status=1
# 2. Every entry point and error path (the leak and hostile tests, fewer calls) with
#    full stacks on every allocation, so each leak names who made it.
VECDOT_LEAK_CALLS=${VECDOT_LEAK_CALLS:-500} VECDOT_HOSTILE_EXAMPLES=${VECDOT_HOSTILE_EXAMPLES:-50} \
    run_pass leaks 0 12 tests/lib/test_leaks_long.py tests/lib/test_hostile.py || pytest_status=1

# ---- verdict ------------------------------------------------------------------
verdict=0
"$py" - "$out/reports" <<'EOF' || verdict=1
"""Sort the sanitizer reports: errors, vecdot's leaks, and everyone else's.

A leak is vecdot's when its allocation stack, read from the allocator outwards,
reaches a frame of the extension before any of tracemalloc's own: the tests that use
tracemalloc make it record vecdot's allocations in blocks of its own, which it drops
when stopped, and those are tracemalloc's."""
import collections
import pathlib
import re
import sys

OURS = re.compile(r"_vecdot[^ ]*\.so|/lib/c/|build/asan/src/c/")
TRACEMALLOC = re.compile(r" in (traceback_new|tracemalloc_)")
ALLOCATOR = re.compile(r" in (__interceptor_|malloc|calloc|realloc|_?PyMem_|_?PyObject_Malloc|"
                       r"PyObject_Malloc|gc_alloc|_PyObject_GC|raw_malloc)")


def leak_is_ours(frames):
    for frame in frames:
        if TRACEMALLOC.search(frame):
            return False
        if OURS.search(frame):
            return True
    return False


reports = sorted(pathlib.Path(sys.argv[1]).glob("*/*san.*"))
errors, ours, theirs = [], [], collections.Counter()
for path in reports:
    text = path.read_text(errors="replace")
    if re.search(r"ERROR: AddressSanitizer|runtime error:", text):
        errors.append((path, text))
    for leak in re.split(r"\n(?=(?:Direct|Indirect) leak of )", text):
        if not re.match(r"(Direct|Indirect) leak of ", leak):
            continue
        frames = re.findall(r"#\d+ 0x[0-9a-f]+ in .*", leak)
        if leak_is_ours(frames):
            ours.append((path, leak))
        else:
            top = next((f.split(" in ", 1)[1].split()[0] for f in frames if not ALLOCATOR.search(f)), "?")
            theirs[top] += 1
print(f"asan: {len(reports)} report files; {len(errors)} with sanitizer errors; "
      f"{len(ours)} leaks allocated by vecdot; {sum(theirs.values())} leaks outside it "
      f"(the interpreter's at exit, tracemalloc's: "
      f"{', '.join(f'{k} x{v}' for k, v in theirs.most_common(5)) or 'none'})",
      file=sys.stderr)
for path, text in errors[:3]:
    print(f"--- {path}\n{text[:6000]}", file=sys.stderr)
for path, leak in ours[:5]:
    print(f"--- {path}\n{leak[:4000]}", file=sys.stderr)
sys.exit(1 if errors or ours else 0)
EOF
if ((pytest_status == 0 && verdict == 0)); then say "clean"; else say "FAILED"; fi
exit $((pytest_status || verdict))
