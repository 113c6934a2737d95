/* dot.c: the fast dot product (vecdot.dot with accurate=False).
 *
 * Sixteen independent accumulators break the add-latency chain, so the
 * compiler can keep several SIMD registers of partial sums in flight and the
 * loop runs at memory speed. With GCC and clang on x86-64 the same loop is
 * also compiled for AVX2 and AVX-512, and each call takes the widest copy
 * the machine runs (cpu.h); elsewhere (arm64, MSVC) it is built once for the
 * baseline, which already has SIMD. Large inputs are shared among threads.
 *
 * The order of operations depends only on n and the thread count, never on
 * the CPU: no copy contracts a*b+c into an FMA (-ffp-contract=off), so every
 * machine returns the same bits for the same call. Long vectors are summed
 * in chunks of VD_CHUNK elements whose sums are added in order, so the
 * thread count does not change the bits either. The threads beside the
 * caller come from a pool that outlives the call (pool.c). Whether they
 * are worth waking depends on the L2 cache's size (dot.h), read once.
 */
/* sysconf, where POSIX has it. */
#define _POSIX_C_SOURCE 200809L

#include "dot.h"
#include "block.h"
#include "cpu.h"
#include "pool.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#if defined(__unix__) || defined(__APPLE__)
#  include <unistd.h>
#endif

/* acc[k] += a[i] * b[i] for every i with i % 16 == k (the tail goes to the
 * first lanes). The sums live in a local array so they stay in registers. */
static VD_ALWAYS_INLINE void
accumulate_loop(double *acc, const double *restrict a, const double *restrict b, size_t n)
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

#if defined(VD_CPU_X86) && defined(VD_TARGET_VECTORIZES)
/* The same loop compiled for wider registers, lane for lane the same sums. */
VD_TARGET("avx2") static void
accumulate_avx2(double *acc, const double *restrict a, const double *restrict b, size_t n)
{
    accumulate_loop(acc, a, b, n);
}

VD_TARGET("avx512f") static void
accumulate_avx512(double *acc, const double *restrict a, const double *restrict b, size_t n)
{
    accumulate_loop(acc, a, b, n);
}
#endif

/* accumulate_loop on the path cpu.h chose. */
static void
accumulate(double *acc, const double *restrict a, const double *restrict b, size_t n)
{
#if defined(VD_CPU_X86) && defined(VD_TARGET_VECTORIZES)
    switch (vd_cpu()) {
    case VD_CPU_AVX512:
        accumulate_avx512(acc, a, b, n);
        return;
    case VD_CPU_AVX2:
        accumulate_avx2(acc, a, b, n);
        return;
    case VD_CPU_BASELINE:
        break;
    }
#endif
    accumulate_loop(acc, a, b, n);
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
            size_t len = vd_block_len(i, hi);
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

/* The end of the chunk that starts at lo. */
static inline size_t
chunk_end(size_t lo, size_t n)
{
    return n - lo < VD_CHUNK ? n : lo + VD_CHUNK;
}

/* Whole chunks, added in index order: the result depends on n alone, never
 * on the thread count or on which thread took which chunk. */
static double
dot_chunks(vd_vector a, vd_vector b, size_t n)
{
    double sum = dot_range(a, b, 0, chunk_end(0, n));
    for (size_t lo = VD_CHUNK; lo < n; lo += VD_CHUNK) {
        sum += dot_range(a, b, lo, chunk_end(lo, n));
    }
    return sum;
}

/* Chunks shared among threads (pool.h): each chunk's sum goes to its own
 * slot, and the slots are added in index order as dot_chunks adds them. */
typedef struct {
    vd_vector a, b;
    size_t n;
    double *partial;
} chunk_sums;

static void
chunk_task(void *arg, size_t k)
{
    chunk_sums *c = arg;
    size_t lo = k * VD_CHUNK;
    c->partial[k] = dot_range(c->a, c->b, lo, chunk_end(lo, c->n));
}

static double
dot_threads(vd_vector a, vd_vector b, size_t n, size_t nthreads)
{
    size_t nchunks = (n + VD_CHUNK - 1) / VD_CHUNK;
    chunk_sums c = {a, b, n, malloc(nchunks * sizeof(double))};
    if (c.partial == NULL) {
        return dot_chunks(a, b, n);         /* no memory for threads: one */
    }
    vd_pool_run(nchunks, nthreads - 1, chunk_task, &c);
    double sum = c.partial[0];
    for (size_t k = 1; k < nchunks; k++) {
        sum += c.partial[k];
    }
    free(c.partial);
    return sum;
}

double
vd_dot_threads(vd_vector a, vd_vector b, size_t n, int threads)
{
    size_t nchunks = (n + VD_CHUNK - 1) / VD_CHUNK;
    size_t nthreads = threads < 1 ? 1 : (size_t)threads;
    if (nthreads > VD_MAX_THREADS) {
        nthreads = VD_MAX_THREADS;
    }
    if (nthreads > nchunks) {
        nthreads = nchunks;             /* a chunk is never split */
    }
    return nthreads > 1 ? dot_threads(a, b, n, nthreads) : dot_chunks(a, b, n);
}

/* The L2 cache of cpu0 in bytes, from the size Linux lists for it in sysfs
 * ("512K"), or 0 when there is no such file. */
static size_t
l2_from_sysfs(void)
{
    size_t bytes = 0;
    for (int index = 0; index < 8 && bytes == 0; index++) {
        char path[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            break;                      /* no more caches listed */
        }
        int level = 0;
        int read = fscanf(f, "%d", &level);
        fclose(f);
        if (read != 1 || level != 2) {
            continue;
        }
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
        f = fopen(path, "r");
        if (f == NULL) {
            break;
        }
        unsigned long size = 0;
        char unit = 'K';
        if (fscanf(f, "%lu%c", &size, &unit) >= 1) {
            bytes = (size_t)size << (unit == 'M' ? 20 : unit == 'K' ? 10 : 0);
        }
        fclose(f);
    }
    return bytes;
}

/* The L2 cache per core in bytes: what Linux lists in sysfs (on x86 and arm64
 * alike), else sysconf where the C library knows it (glibc elsewhere; under
 * valgrind it answers for valgrind's synthetic CPU), else VD_L2_FALLBACK. */
static size_t
l2_bytes(void)
{
    size_t bytes = l2_from_sysfs();
    if (bytes > 0) {
        return bytes;
    }
#ifdef _SC_LEVEL2_CACHE_SIZE
    long size = sysconf(_SC_LEVEL2_CACHE_SIZE);
    if (size > 0) {
        return (size_t)size;
    }
#endif
    return VD_L2_FALLBACK;
}

size_t
vd_min_per_thread(void)
{
    /* Worked out on first use (reading files, or CPUID, which a hypervisor
     * traps: microseconds). Threads that race here store the same value. */
    static atomic_size_t known;
    size_t least = atomic_load_explicit(&known, memory_order_relaxed);
    if (least == 0) {
        least = l2_bytes() / VD_L2_SHARE;
        least = least > VD_CHUNK ? least : VD_CHUNK;
        atomic_store_explicit(&known, least, memory_order_relaxed);
    }
    return least;
}

int
vd_threads_for(size_t n, int threads)
{
    if (threads <= 1 || n < 2 * VD_CHUNK) {
        return 1;                       /* one thread: no need to ask */
    }
    size_t most = n / vd_min_per_thread();  /* most < threads <= INT_MAX below */
    if ((size_t)threads > most) {
        return most > 1 ? (int)most : 1;
    }
    return threads;
}

double
vd_dot(vd_vector a, vd_vector b, size_t n, int threads)
{
    return vd_dot_threads(a, b, n, vd_threads_for(n, threads));
}
