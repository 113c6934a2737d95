/* kernels.c: vecdot's fast kernel (lib/c/dot.c, unchanged) behind a plain C
 * interface for ctypes, so the benchmark can call the very same loop without
 * the extension's argument handling.
 *
 *   bench_dot            vd_dot with the library's own thread policy.
 *   bench_dot_split      vd_dot_threads: up to `threads` threads whatever n is
 *                        (one per VD_CHUNK at most), so the harness can find
 *                        the n where a second thread starts to pay (vd_dot
 *                        refuses threads below vd_min_per_thread elements per
 *                        thread, the policy being measured).
 *   bench_min_per_thread that policy's value on this machine.
 *   bench_dot_after_gap  the median time of vd_dot_threads calls each made a
 *                        while after the last returned: once the gap exceeds
 *                        VD_POOL_SPIN_NS the helpers sleep, and a call must
 *                        wake them.
 */
#define _POSIX_C_SOURCE 200809L  /* clock_gettime */

#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include "block.h"
#include "dot.h"

static vd_vector
contiguous(const double *p)
{
    return (vd_vector){(const char *)p, (ptrdiff_t)sizeof(double), VD_F64};
}

double
bench_dot(const double *a, const double *b, size_t n, int threads)
{
    return vd_dot(contiguous(a), contiguous(b), n, threads);
}

/* Two threads from two chunks on, through the same pool as vd_dot. */
double
bench_dot_split(const double *a, const double *b, size_t n, int threads)
{
    return vd_dot_threads(contiguous(a), contiguous(b), n, threads);
}

size_t
bench_min_per_thread(void)
{
    return vd_min_per_thread();
}

static long long
now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int
by_value(const void *x, const void *y)
{
    long long a = *(const long long *)x, b = *(const long long *)y;
    return (a > b) - (a < b);
}

#define GAP_CALLS_MAX 1001

/* The median ns of `calls` calls, each made gap_ns after the previous one
 * returned, the calling thread busy in between (as a program doing other
 * work: an idle caller would hand its core to the helper). -1 when calls is
 * out of range. */
long long
bench_dot_after_gap(const double *a, const double *b, size_t n, int threads,
                    long long gap_ns, int calls)
{
    if (calls < 1 || calls > GAP_CALLS_MAX) {
        return -1;
    }
    long long took[GAP_CALLS_MAX];
    volatile double sink = 0.0;
    for (int c = 0; c < calls; c++) {
        long long until = now_ns() + gap_ns;
        while (now_ns() < until) {
        }
        long long start = now_ns();
        sink += vd_dot_threads(contiguous(a), contiguous(b), n, threads);
        took[c] = now_ns() - start;
    }
    qsort(took, (size_t)calls, sizeof took[0], by_value);
    (void)sink;
    return took[calls / 2];
}
