/* dot.c: the fast dot product (vecdot.dot with accurate=False).
 *
 * Sixteen independent accumulators break the add-latency chain, so the
 * compiler can keep several SIMD registers of partial sums in flight and the
 * loop runs at memory speed. The same loop is compiled for baseline x86-64,
 * AVX2 and AVX-512 and the best one is picked at load time (GCC
 * target_clones); elsewhere (aarch64, clang) it is built once for the
 * baseline, which already has SIMD. Large inputs are split across threads.
 *
 * The order of operations depends only on n and the thread count, never on
 * the CPU: no clone contracts a*b+c into an FMA (-ffp-contract=off), so every
 * machine returns the same bits for the same call.
 */
#include "dot.h"
#include "block.h"

#if !defined(__STDC_NO_THREADS__) && defined(__has_include)
#  if __has_include(<threads.h>)
#    include <threads.h>
#    define VD_HAVE_THREADS 1
#  endif
#endif

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#  define VD_CLONES __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#  define VD_CLONES
#endif

#define VD_LANES 16

/* acc[k] += a[i] * b[i] for every i with i % 16 == k (the tail goes to the
 * first lanes). The sums live in a local array so they stay in registers. */
VD_CLONES static void
accumulate(double *acc, const double *restrict a, const double *restrict b, size_t n)
{
    double s[VD_LANES];
    memcpy(s, acc, sizeof s);
    size_t i = 0;
    for (; i + VD_LANES <= n; i += VD_LANES) {
        for (size_t k = 0; k < VD_LANES; k++) {
            s[k] += a[i + k] * b[i + k];
        }
    }
    for (size_t k = 0; i < n; i++, k++) {
        s[k] += a[i] * b[i];
    }
    memcpy(acc, s, sizeof s);
}

/* The dot product of elements [lo, hi), lanes folded pairwise at the end. */
static double
dot_range(vd_vector a, vd_vector b, size_t lo, size_t hi)
{
    double acc[VD_LANES] = {0};
    if (hi - lo < VD_LANES) {
        /* Under one round of lanes: the same sums, without a call through
         * the dispatcher or waking the wide SIMD units for three numbers. */
        double buf[VD_LANES];
        const double *pa = vd_block(a, lo, hi - lo, buf);
        for (size_t k = 0; k < hi - lo; k++) {
            acc[k] = pa[k];
        }
        const double *pb = vd_block(b, lo, hi - lo, buf);
        for (size_t k = 0; k < hi - lo; k++) {
            acc[k] = 0.0 + acc[k] * pb[k];  /* as accumulate's first round */
        }
    }
    else if (vd_in_place(a) && vd_in_place(b)) {
        const double *pa = (const double *)(const void *)a.data;
        const double *pb = (const double *)(const void *)b.data;
        accumulate(acc, pa + lo, pb + lo, hi - lo);
    }
    else {
        double bufa[VD_BLOCK], bufb[VD_BLOCK];
        for (size_t i = lo; i < hi; i += VD_BLOCK) {
            size_t len = hi - i < VD_BLOCK ? hi - i : VD_BLOCK;
            accumulate(acc, vd_block(a, i, len, bufa), vd_block(b, i, len, bufb), len);
        }
    }
    for (size_t width = VD_LANES / 2; width > 0; width /= 2) {
        for (size_t k = 0; k < width; k++) {
            acc[k] += acc[k + width];
        }
    }
    return acc[0];
}

typedef struct {
    vd_vector a, b;
    size_t lo, hi;
    double result;
} task;

static int
run_task(void *arg)
{
    task *t = arg;
    t->result = dot_range(t->a, t->b, t->lo, t->hi);
    return 0;
}

double
vd_dot(vd_vector a, vd_vector b, size_t n, int threads)
{
    size_t nthreads = threads < 1 ? 1 : (size_t)threads;
    if (nthreads > VD_MAX_THREADS) {
        nthreads = VD_MAX_THREADS;
    }
    if (nthreads > n / VD_MIN_PER_THREAD) {
        nthreads = n / VD_MIN_PER_THREAD;
    }
#ifndef VD_HAVE_THREADS
    nthreads = 1;
#endif
    if (nthreads <= 1) {
        return dot_range(a, b, 0, n);
    }

    /* Chunks are whole blocks, so each thread starts on a cache-line
     * boundary of the same arrays and no two share a line. */
    size_t chunk = (n + nthreads - 1) / nthreads;
    chunk = (chunk + VD_BLOCK - 1) / VD_BLOCK * VD_BLOCK;
    task tasks[VD_MAX_THREADS];
    size_t ntasks = 0;
    for (size_t lo = 0; lo < n; lo += chunk, ntasks++) {
        tasks[ntasks] = (task){a, b, lo, lo + chunk < n ? lo + chunk : n, 0.0};
    }

#ifdef VD_HAVE_THREADS
    thrd_t ids[VD_MAX_THREADS];
    int started[VD_MAX_THREADS];
    for (size_t k = 1; k < ntasks; k++) {
        started[k] = thrd_create(&ids[k], run_task, &tasks[k]) == thrd_success;
    }
    run_task(&tasks[0]);
    for (size_t k = 1; k < ntasks; k++) {
        if (started[k]) {
            thrd_join(ids[k], NULL);
        }
        else {
            /* No thread to be had (resource limits): do the work here
             * rather than fail. */
            run_task(&tasks[k]);
        }
    }
#endif

    double sum = tasks[0].result;
    for (size_t k = 1; k < ntasks; k++) {
        sum += tasks[k].result;
    }
    return sum;
}
