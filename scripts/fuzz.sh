#!/usr/bin/env bash
# Coverage-guided fuzzing of vecdot's plain-C kernels with libFuzzer (clang-14),
# under AddressSanitizer and UndefinedBehaviorSanitizer: `make fuzz` (long) and
# the short bounded run in `make test`.
#
# Two harnesses in tests/fuzz/, each started from its checked-in seed corpus:
#   fuzz_parse   lib/c/parse.c and decimal.c against an independent grammar
#                and exact MPFR rounding
#   fuzz_kernel  lib/c/dot.c and exact.c against exact MPFR arithmetic and
#                the kernels' invariants
# Every seed is replayed first (a regression test on its own), then each
# harness fuzzes for the given time; both run at once, one per core. New
# inputs go to build/fuzz/corpus/, never into the checked-in seeds; a failing
# input is saved in build/fuzz/artifacts/ and its path printed.
#
# Usage: scripts/fuzz.sh [seconds per harness, default 600] [harness ...]
# Environment: FUZZ_JOBS (harnesses run at once, default 2),
#              FUZZ_CC (default clang-14, else clang).
# Installs clang-14, libclang-rt-14-dev and libmpfr-dev with apt-get if missing.
# Exit status: 0 when every harness ran clean, 1 otherwise.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'fuzz: %s\n' "$*" >&2; }

seconds=${1:-600}
shift || true
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(fuzz_parse fuzz_kernel)
[[ $seconds =~ ^[0-9]+$ ]] || { say "usage: scripts/fuzz.sh [seconds] [harness ...]"; exit 2; }

# ---- tools ------------------------------------------------------------------
need=()
cc=${FUZZ_CC:-}
if [[ -z $cc ]]; then
    if command -v clang-14 >/dev/null; then cc=clang-14
    elif command -v clang >/dev/null; then cc=clang
    else need+=(clang-14); cc=clang-14
    fi
fi
[[ -e /usr/include/mpfr.h ]] || need+=(libmpfr-dev)
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' \
        | "$cc" -x c -fsanitize=fuzzer,address -o /dev/null - >/dev/null 2>&1; then
    need+=(libclang-rt-14-dev)
fi
if ((${#need[@]})); then
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq
    timeout 900 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---- build --------------------------------------------------------------------
# The kernel sources are the Makefile's KERNEL_SRC, so a new kernel file is
# fuzzed as soon as `make test-c` builds it. -ffp-contract=off as in
# lib/setup.py: clang would otherwise fuse a*b+c, which the exact kernel's
# error-free transformations forbid.
kernel_src=$(sed -nE 's/^KERNEL_SRC[[:space:]]*:?=[[:space:]]*//p' Makefile)
[[ -n $kernel_src ]] || { say "error: no KERNEL_SRC in the Makefile"; exit 1; }
out=build/fuzz
mkdir -p "$out/artifacts"
# -fsanitize takes a comma-separated list: one word, not array elements.
# shellcheck disable=SC2054
flags=(-std=c11 -g -O1 -ffp-contract=off -fno-omit-frame-pointer -Ilib/c
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all)
for h in "${harnesses[@]}"; do
    [[ -f tests/fuzz/$h.c ]] || { say "error: no harness tests/fuzz/$h.c"; exit 2; }
    # Both harnesses check against exact MPFR arithmetic.
    libs=(-lmpfr -lgmp -lm) extra=()
    # The kernels' loops compare doubles on every element: tracing those
    # comparisons (which guides the parser's fuzzing well) slows them tenfold.
    [[ $h == fuzz_kernel ]] && extra=(-fno-sanitize-coverage=trace-cmp)
    say "building $h with $cc ($kernel_src)"
    # shellcheck disable=SC2086  # kernel_src is a list of paths
    "$cc" "${flags[@]}" "${extra[@]}" -o "$out/$h" "tests/fuzz/$h.c" $kernel_src "${libs[@]}" -lpthread
done

# ---- run --------------------------------------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
    local h=$1 corpus=tests/fuzz/corpus/${1#fuzz_} work=$out/corpus/${1#fuzz_}
    local log=$out/$h.log max_len=65536
    [[ $h == fuzz_kernel ]] && max_len=16384
    mkdir -p "$work"
    : >"$log"
    # 1. Replay every checked-in seed: a fixed regression run.
    if ! "$out/$h" -runs=0 "$corpus" >>"$log" 2>&1; then
        echo "seed replay failed" >>"$log"
        return 1
    fi
    # 2. Fuzz, writing new inputs to the work corpus (seeds read from both).
    "$out/$h" -max_total_time="$seconds" -max_len="$max_len" -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/$h-" \
        "$work" "$corpus" >>"$log" 2>&1
}

say "replaying seeds, then fuzzing ${harnesses[*]} for ${seconds} s each (log: $out/<harness>.log)"
start=$SECONDS
pids=()
jobs_max=${FUZZ_JOBS:-2}
status=0
for h in "${harnesses[@]}"; do
    run_one "$h" &
    pids+=("$!")
    if ((${#pids[@]} >= jobs_max)); then
        wait "${pids[0]}" || status=1
        pids=("${pids[@]:1}")
    fi
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done

# ---- report -------------------------------------------------------------------
for h in "${harnesses[@]}"; do
    log=$out/$h.log
    seeds=$(find "tests/fuzz/corpus/${h#fuzz_}" -type f | wc -l)
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    corpus=$(find "$out/corpus/${h#fuzz_}" -type f | wc -l)
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz_(parse|kernel): |seed replay failed' "$log"; then
        say "$h: FAILED after ${runs:-?} inputs; the report:"
        grep -E -A30 'ERROR:|runtime error:|fuzz_(parse|kernel): |seed replay failed' "$log" | head -60 >&2
        for crash in "$out"/artifacts/"$h"-*; do
            [[ -e $crash ]] && say "  reproduce with: $out/$h $crash"
        done
        status=1
    else
        say "$h: ok: $seeds seeds replayed, ${runs:-?} inputs in ${seconds} s, coverage ${cov:-?} edges, work corpus $corpus inputs"
    fi
done
say "done in $((SECONDS - start)) s"
exit "$status"
