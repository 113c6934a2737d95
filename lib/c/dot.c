/* dot.c: the fast dot product (vecdot.dot with accurate=False).
 *
 * Sixteen independent accumulators break the add-latency chain, so the
 * compiler can keep several SIMD registers of partial sums in flight and the
 * loop runs at memory speed. The same loop is compiled for baseline x86-64,
 * AVX2 and AVX-512 and the best one is picked at load time (GCC
 * target_clones); elsewhere (aarch64, clang) it is built once for the
 * baseline, which already has SIMD. Large inputs are shared among threads.
 *
 * The order of operations depends only on n and the thread count, never on
 * the CPU: no clone contracts a*b+c into an FMA (-ffp-contract=off), so every
 * machine returns the same bits for the same call. Long vectors are summed
 * in chunks of VD_CHUNK elements whose sums are added in order, so the
 * thread count does not change the bits either. The threads beside the
 * caller come from a pool that outlives the call (pool.c).
 */
#include "dot.h"
#include "block.h"
#include "pool.h"

#if !defined(__STDC_NO_THREADS__) && defined(__has_include)
#  if __has_include(<threads.h>)
#    include <stdatomic.h>
#    include <stdlib.h>
#    include <threads.h>
#    define VD_HAVE_THREADS 1
#  endif
#endif

/* (Not under ThreadSanitizer: its instrumented ifunc resolver would run
 * before the sanitizer's runtime is up.) */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && !defined(__SANITIZE_THREAD__)
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

/* Whole chunks, added in index order: the result depends on n alone, never
 * on the thread count or on which thread took which chunk. */
static double
dot_chunks(vd_vector a, vd_vector b, size_t n)
{
    double sum = dot_range(a, b, 0, n < VD_CHUNK ? n : VD_CHUNK);
    for (size_t lo = VD_CHUNK; lo < n; lo += VD_CHUNK) {
        sum += dot_range(a, b, lo, n - lo < VD_CHUNK ? n : lo + VD_CHUNK);
    }
    return sum;
}

#ifdef VD_HAVE_THREADS
/* Work shared by the caller and helpers from the pool (pool.h). Each thread
 * claims the next chunk until none is left, so a helper that gets no CPU (a
 * busy machine, a container's CPU quota) costs nothing: the caller takes its
 * chunks. But the caller does wait for every chunk a helper claimed: the
 * vectors are the caller's caller's, freed once vd_dot returns, so no helper
 * may still be reading them then. (Summing a stalled helper's chunk itself
 * and returning early was tried: a use after free, caught by test-c's ASan
 * build.) The last user of this heap block frees it. */
typedef struct {
    vd_job job;             /* first: pool.h hands back &job */
    vd_vector a, b;
    size_t n, nchunks;
    atomic_size_t next;     /* the next chunk to claim */
    mtx_t lock;
    cnd_t all_done;
    size_t done;            /* chunks finished, under lock */
    size_t users;           /* the caller and its helpers, under lock */
    double partial[];       /* each chunk's sum, by index */
} shared_work;

static void
work(shared_work *w)
{
    size_t k, finished = 0;
    while ((k = atomic_fetch_add(&w->next, 1)) < w->nchunks) {
        size_t lo = k * VD_CHUNK;
        w->partial[k] = dot_range(w->a, w->b, lo, w->n - lo < VD_CHUNK ? w->n : lo + VD_CHUNK);
        finished++;
    }
    if (finished > 0) {
        mtx_lock(&w->lock);
        w->done += finished;
        if (w->done == w->nchunks) {
            cnd_broadcast(&w->all_done);
        }
        mtx_unlock(&w->lock);
    }
}

/* Drop `count` users; the last one frees the block. */
static void
release(shared_work *w, size_t count)
{
    mtx_lock(&w->lock);
    w->users -= count;
    int last = w->users == 0;
    mtx_unlock(&w->lock);
    if (last) {
        mtx_destroy(&w->lock);
        cnd_destroy(&w->all_done);
        free(w);
    }
}

static int
all_done(void *arg)
{
    shared_work *w = arg;
    return w->done == w->nchunks;
}

static void
help(vd_job *job)
{
    shared_work *w = (shared_work *)(void *)job;
    work(w);
    release(w, 1);
}

static double
dot_threads(vd_vector a, vd_vector b, size_t n, size_t nthreads)
{
    size_t nchunks = (n + VD_CHUNK - 1) / VD_CHUNK;
    shared_work *w = malloc(sizeof *w + nchunks * sizeof(double));
    if (w == NULL) {
        return dot_chunks(a, b, n);         /* no memory for threads: one */
    }
    w->job.run = help;
    w->a = a, w->b = b, w->n = n, w->nchunks = nchunks, w->done = 0;
    atomic_init(&w->next, 0);
    if (mtx_init(&w->lock, mtx_plain) != thrd_success) {
        free(w);
        return dot_chunks(a, b, n);
    }
    if (cnd_init(&w->all_done) != thrd_success) {
        mtx_destroy(&w->lock);
        free(w);
        return dot_chunks(a, b, n);
    }
    /* Count the helpers as users before any of them can start and finish. */
    w->users = 1 + (nthreads - 1);
    size_t posted = vd_pool_post(&w->job, nthreads - 1);
    size_t unwanted = nthreads - 1 - posted;
    work(w);
    /* Every chunk is claimed now: tickets still queued would only wake a
     * helper for nothing. */
    if (posted > 0) {
        unwanted += vd_pool_take_back(&w->job);
    }
    vd_pool_wait(&w->lock, &w->all_done, all_done, w);
    mtx_unlock(&w->lock);
    double sum = w->partial[0];
    for (size_t k = 1; k < nchunks; k++) {
        sum += w->partial[k];
    }
    release(w, 1 + unwanted);
    return sum;
}
#endif

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
#ifdef VD_HAVE_THREADS
    if (nthreads > 1) {
        return dot_threads(a, b, n, nthreads);
    }
#endif
    return dot_chunks(a, b, n);
}

double
vd_dot(vd_vector a, vd_vector b, size_t n, int threads)
{
    size_t most = n / VD_MIN_PER_THREAD;   /* most < threads <= INT_MAX below */
    if (threads > 1 && (size_t)threads > most) {
        threads = most > 1 ? (int)most : 1;
    }
    return vd_dot_threads(a, b, n, threads);
}
