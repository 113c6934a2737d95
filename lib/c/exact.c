/* exact.c: the correctly rounded dot product (vecdot.dot with accurate=True).
 *
 * Two paths, so a well-conditioned input does not pay for the hard case:
 *
 *  1. A compensated pass (Ogita, Rump and Oishi's Dot2, in 16 SIMD-friendly
 *     lanes): every product is split exactly into p + e (TwoProduct) and
 *     every running sum into s + q (TwoSum), so the only rounding left is in
 *     the small correction terms. The pass also sums |correction terms|,
 *     which bounds the error rigorously. If the candidate hi = fl(s + c) is
 *     provably the nearest double to the exact value (the error bound lies
 *     strictly inside hi's rounding interval), it is returned.
 *
 *  2. Otherwise (heavy cancellation, results near underflow, products that
 *     overflow, inf/nan inputs), the exact sum: every product goes exactly
 *     into a fixed-point accumulator (superacc.c) that is rounded once.
 *
 * Long vectors are cut into chunks of VD_CHUNK elements that threads share
 * (pool.h), as in dot.c: the compensated pass of each chunk is combined in
 * index order, and the exact sum of each run of chunks goes into its own
 * accumulator, merged exactly. Neither the candidate, nor the decision to
 * return it, nor the exact sum depends on the thread count: the result has
 * the same bits for any.
 *
 * The result is the exact dot product of the inputs' values rounded to the
 * nearest float64, ties to even, for every finite input; it is +-inf only
 * when that rounded value overflows. With inf or nan among the inputs the
 * result follows IEEE: nan if any product is nan (nan, or inf * 0) or
 * infinities of both signs meet, else the infinity's sign.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "dot.h"
#include "block.h"
#include "cpu.h"
#include "pool.h"
#include "superacc.h"

#if FLT_EVAL_METHOD != 0
#  error "exact.c needs double arithmetic rounded to double (SSE2, not x87)"
#endif

/* ---- 1. the compensated pass --------------------------------------------- */

#define CL 16  /* lanes: four AVX2 registers of four doubles */

typedef struct {
    double s[CL];  /* running sums; s + c is the partial dot product */
    double c[CL];  /* sums of the correction terms s could not hold */
    double r[CL];  /* sums of |correction terms|: bounds the error in c */
} comp_state;

/* a * b == p + *e exactly, unless the product underflows or overflows. */
static VD_ALWAYS_INLINE double
two_prod(double a, double b, double *e, int have_fma)
{
    double p = a * b;
    if (have_fma) {
        *e = fma(a, b, -p);
    }
    else {
        /* Dekker's product: Veltkamp-split each factor into 26-bit halves
         * whose products are exact. */
        const double split = 134217729.0; /* 2^27 + 1 */
        double ca = split * a, ah = ca - (ca - a), al = a - ah;
        double cb = split * b, bh = cb - (cb - b), bl = b - bh;
        *e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    }
    return p;
}

/* One element into lane k: TwoProduct, then TwoSum into s, and the two
 * rounding errors (q, e) into c, their size into r. */
static VD_ALWAYS_INLINE void
comp_step(double *s, double *c, double *r, double a, double b, int have_fma)
{
    double e, p = two_prod(a, b, &e, have_fma);
    double t = *s + p, z = t - *s;
    double q = (*s - (t - z)) + (p - z); /* TwoSum: t + q == s + p */
    double x = q + e;
    *s = t;
    *c += x;
    *r += fabs(x);
}

static VD_ALWAYS_INLINE void
comp_body(comp_state *st, const double *a, const double *b, size_t n, int have_fma)
{
    /* Local copies, so the compiler keeps the CL independent chains in
     * SIMD registers rather than in memory. */
    double s[CL], c[CL], r[CL];
    memcpy(s, st->s, sizeof s);
    memcpy(c, st->c, sizeof c);
    memcpy(r, st->r, sizeof r);
    size_t i = 0;
    for (; i + CL <= n; i += CL) {
        for (size_t k = 0; k < CL; k++) {
            comp_step(&s[k], &c[k], &r[k], a[i + k], b[i + k], have_fma);
        }
    }
    for (size_t k = 0; i < n; i++, k++) {
        comp_step(&s[k], &c[k], &r[k], a[i], b[i], have_fma);
    }
    memcpy(st->s, s, sizeof s);
    memcpy(st->c, c, sizeof c);
    memcpy(st->r, r, sizeof r);
}

/* On x86-64 with AVX2 and FMA (chosen at run time, cpu.h, so the build
 * stays baseline), the same steps as comp_step on four lanes per instruction:
 * compilers do not vectorize this loop themselves. Register j holds lanes
 * 4j .. 4j+3 of comp_state, so the result is the portable loop's, bit for
 * bit. FMA also makes TwoProduct two instructions instead of seventeen. */
#ifdef VD_CPU_X86
#include <immintrin.h>

VD_TARGET("avx2,fma") static void
comp_avx2(comp_state *st, const double *a, const double *b, size_t n)
{
    enum { REGS = CL / 4 };
    __m256d s[REGS], c[REGS], r[REGS];
    const __m256d sign = _mm256_set1_pd(-0.0);
    for (int j = 0; j < REGS; j++) {
        s[j] = _mm256_loadu_pd(st->s + 4 * j);
        c[j] = _mm256_loadu_pd(st->c + 4 * j);
        r[j] = _mm256_loadu_pd(st->r + 4 * j);
    }
    size_t i = 0;
    for (; i + CL <= n; i += CL) {
        for (int j = 0; j < REGS; j++) {
            __m256d x = _mm256_loadu_pd(a + i + 4 * j);
            __m256d y = _mm256_loadu_pd(b + i + 4 * j);
            __m256d p = _mm256_mul_pd(x, y);
            __m256d e = _mm256_fmsub_pd(x, y, p);                /* x*y - p, exactly */
            __m256d t = _mm256_add_pd(s[j], p);
            __m256d z = _mm256_sub_pd(t, s[j]);
            __m256d q = _mm256_add_pd(_mm256_sub_pd(s[j], _mm256_sub_pd(t, z)),
                                      _mm256_sub_pd(p, z));        /* TwoSum */
            __m256d d = _mm256_add_pd(q, e);
            s[j] = t;
            c[j] = _mm256_add_pd(c[j], d);
            r[j] = _mm256_add_pd(r[j], _mm256_andnot_pd(sign, d)); /* |d| */
        }
    }
    for (int j = 0; j < REGS; j++) {
        _mm256_storeu_pd(st->s + 4 * j, s[j]);
        _mm256_storeu_pd(st->c + 4 * j, c[j]);
        _mm256_storeu_pd(st->r + 4 * j, r[j]);
    }
    for (size_t k = 0; i < n; i++, k++) {
        comp_step(&st->s[k], &st->c[k], &st->r[k], a[i], b[i], 1);
    }
}

static void
comp_pass(comp_state *st, const double *a, const double *b, size_t n)
{
    if (vd_cpu() >= VD_CPU_AVX2) {
        comp_avx2(st, a, b, n);
    }
    else {
        comp_body(st, a, b, n, 0);
    }
}
#elif defined(__ARM_FEATURE_FMA) || defined(FP_FAST_FMA)
static void
comp_pass(comp_state *st, const double *a, const double *b, size_t n)
{
    comp_body(st, a, b, n, 1);
}
#else
static void
comp_pass(comp_state *st, const double *a, const double *b, size_t n)
{
    comp_body(st, a, b, n, 0);
}
#endif

/* s + c += x, with |what c could not hold| added to r. */
static void
comp_add(double *s, double *c, double *r, double x)
{
    double t = *s + x, z = t - *s;
    double q = (*s - (t - z)) + (x - z);
    *s = t;
    *c += q;
    *r += fabs(q);
}

/* What the compensated pass leaves of a range of products: the exact sum
 * is s plus correction terms (every TwoSum's q and TwoProduct's e), c is
 * their sum as rounded on the way, r the sum of their |rounded values|. */
typedef struct {
    double s, c, r;
} comp_sum;

/* One chunk [lo, hi) in CL lanes started from zero, then the lanes merged:
 * the s exactly (TwoSum), the c and r by plain addition. */
static comp_sum
comp_chunk(vd_vector a, vd_vector b, size_t lo, size_t hi)
{
    comp_state st;
    memset(&st, 0, sizeof st);
    if (vd_in_place(a) && vd_in_place(b)) {
        const double *pa = (const double *)(const void *)a.data;
        const double *pb = (const double *)(const void *)b.data;
        comp_pass(&st, pa + lo, pb + lo, hi - lo);
    }
    else {
        /* Blocks are a multiple of CL long, so every element meets the
         * same lane, in the same order, as in place. */
        double bufa[VD_BLOCK], bufb[VD_BLOCK];
        for (size_t i = lo; i < hi; i += VD_BLOCK) {
            size_t len = vd_block_len(i, hi);
            comp_pass(&st, vd_block(a, i, len, bufa), vd_block(b, i, len, bufb), len);
        }
    }
    comp_sum m = {0.0, 0.0, 0.0};
    for (size_t k = 0; k < CL; k++) {
        comp_add(&m.s, &m.c, &m.r, st.s[k]);
    }
    for (size_t k = 0; k < CL; k++) {
        m.c += st.c[k];
        m.r += st.r[k];
    }
    return m;
}

/* The next chunk, in index order, into the running total: its s exactly
 * (TwoSum), its c and r by plain addition. */
static void
comp_combine(comp_sum *total, comp_sum part)
{
    comp_add(&total->s, &total->c, &total->r, part.s);
    total->c += part.c;
    total->r += part.r;
}

/* The end of the chunk that starts at lo. */
static inline size_t
chunk_end(size_t lo, size_t n)
{
    return n - lo < VD_CHUNK ? n : lo + VD_CHUNK;
}

/* Chunks shared among threads (pool.h) write their sums to their own slots,
 * which the caller combines in index order: the order of every operation
 * depends on n alone, never on the thread count or on who took which chunk. */
typedef struct {
    vd_vector a, b;
    size_t n;
    comp_sum *part;
} comp_chunks;

static void
comp_task(void *arg, size_t k)
{
    comp_chunks *t = arg;
    size_t lo = k * VD_CHUNK;
    t->part[k] = comp_chunk(t->a, t->b, lo, chunk_end(lo, t->n));
}

static comp_sum
comp_all(vd_vector a, vd_vector b, size_t n, size_t nthreads)
{
    size_t nchunks = (n + VD_CHUNK - 1) / VD_CHUNK;
    comp_sum total = {0.0, 0.0, 0.0};
    comp_chunks t = {a, b, n, NULL};
    if (nthreads > 1) {
        t.part = malloc(nchunks * sizeof *t.part);
    }
    if (t.part == NULL) {                    /* one thread, or no memory for more */
        for (size_t lo = 0; lo < n; lo += VD_CHUNK) {
            comp_combine(&total, comp_chunk(a, b, lo, chunk_end(lo, n)));
        }
        return total;
    }
    vd_pool_run(nchunks, nthreads - 1, comp_task, &t);
    for (size_t k = 0; k < nchunks; k++) {
        comp_combine(&total, t.part[k]);
    }
    free(t.part);
    return total;
}

/* True when every real number within err of hi + lo rounds to hi: the
 * interval lies strictly inside half the gap below |hi| (the smaller of the
 * two gaps around it). The 2^-20 margin absorbs the rounding of this very
 * test, so the comparison is conservative. */
static int
certified(double hi, double lo, double err)
{
    if (hi == 0.0 || !isfinite(hi) || !isfinite(err)) {
        return 0;
    }
    double ahi = fabs(hi);
    double half_gap = (ahi - nextafter(ahi, 0.0)) * 0.5;
    return fabs(lo) + err <= half_gap * (1.0 - 0x1p-20);
}

/* The candidate, or 0 with *ok false when the bound cannot vouch for it.
 *
 * Why the bound holds. The exact dot product (absent underflow) is
 * total.s + sum(t) over the correction terms t: TwoProduct and TwoSum are
 * error-free. total.c is those terms summed by a tree of rounded additions:
 * a term of the pass is first rounded once (x = fl(q + e), off by at most
 * u|x|, u = 2^-53), then added along its lane (at most m = ceil(min(n,
 * VD_CHUNK)/CL) additions), its chunk's merge (at most 2*CL: comp_chunk)
 * and the chunk combination (at most 2*nchunks: comp_combine). A sum tree
 * in which no term passes more than h roundings errs by at most
 * gamma(h) * sum|t| (Higham, Accuracy and Stability, section 4.2), so with
 * h = 1 + m + 2*CL + 2*nchunks the error of total.c is below
 * gamma(h) * sum|t|. total.r sums the same |t| along the same tree, so
 * sum|t| <= total.r / (1 - u)^h; while h*u < 2^-20 the two factors together
 * are below h*u*(1 + 2^-10), which also covers the few roundings of the
 * bound's own arithmetic. Additions are exact when they underflow; only a
 * product that underflows loses more (up to a few 2^-1075 each, with or
 * without FMA): the last term covers them generously. The candidate hi =
 * fl(total.s + total.c), with hi + lo == total.s + total.c exactly, is then
 * returned only if certified() says the whole interval rounds to it. */
static double
comp_certified(comp_sum total, size_t n, int *ok)
{
    *ok = 0;
    size_t nchunks = (n + VD_CHUNK - 1) / VD_CHUNK;
    size_t m = ((n < VD_CHUNK ? n : VD_CHUNK) + CL - 1) / CL;
    if (n >= ((size_t)1 << 32) || !isfinite(total.s) || !isfinite(total.c)
        || !isfinite(total.r)) {
        return 0.0;                          /* n < 2^32 keeps h*u far below 2^-20 */
    }
    double h = (double)(1 + m + 2 * CL + 2 * nchunks);
    double err = h * total.r * 0x1p-53 * (1.0 + 0x1p-10) + (double)(n + 4 * CL) * 0x1p-1060;
    double hi = total.s + total.c, z = hi - total.s;
    double lo = (total.s - (hi - z)) + (total.c - z); /* hi + lo == s + c exactly */
    *ok = certified(hi, lo, err);
    return hi;
}

/* ---- 2. the exact sum ----------------------------------------------------- */

static void
exact_range(vd_superacc *sa, vd_vector a, vd_vector b, size_t lo, size_t hi)
{
    double bufa[VD_BLOCK], bufb[VD_BLOCK];
    for (size_t i = lo; i < hi; i += VD_BLOCK) {
        size_t len = vd_block_len(i, hi);
        const double *pa = vd_block(a, i, len, bufa);
        const double *pb = vd_block(b, i, len, bufb);
        for (size_t j = 0; j < len; j++) {
            vd_sa_add_product(sa, pa[j], pb[j]);
        }
    }
}

/* Shared among threads, each task sums a run of whole chunks into its own
 * accumulator. Accumulators add exactly (vd_sa_merge), so how the vector is
 * cut, and by whom, cannot change the result: the cut can follow the thread
 * count, which keeps the accumulators (a kilobyte each) few. */
#define EXACT_TASKS_PER_THREAD 4

typedef struct {
    vd_vector a, b;
    size_t n, per_task;                      /* elements per task, whole chunks */
    vd_superacc *acc;                        /* one per task */
} exact_tasks;

static void
exact_task(void *arg, size_t k)
{
    exact_tasks *t = arg;
    size_t lo = k * t->per_task;
    size_t hi = t->n - lo < t->per_task ? t->n : lo + t->per_task;
    vd_sa_init(&t->acc[k]);
    exact_range(&t->acc[k], t->a, t->b, lo, hi);
}

static double
exact_sum(vd_vector a, vd_vector b, size_t n, size_t nthreads)
{
    size_t nchunks = (n + VD_CHUNK - 1) / VD_CHUNK;
    size_t ntasks = nthreads * EXACT_TASKS_PER_THREAD;
    if (ntasks > nchunks) {
        ntasks = nchunks;
    }
    size_t per_chunks = (nchunks + ntasks - 1) / ntasks;
    exact_tasks t = {a, b, n, per_chunks * VD_CHUNK, NULL};
    ntasks = (n + t.per_task - 1) / t.per_task;
    if (nthreads > 1) {
        t.acc = malloc(ntasks * sizeof *t.acc);
    }
    if (t.acc == NULL) {                     /* one thread, or no memory for more */
        vd_superacc sa;
        vd_sa_init(&sa);
        exact_range(&sa, a, b, 0, n);
        return vd_sa_round(&sa);
    }
    vd_pool_run(ntasks, nthreads - 1, exact_task, &t);
    for (size_t k = 1; k < ntasks; k++) {
        vd_sa_merge(&t.acc[0], &t.acc[k]);
    }
    double result = vd_sa_round(&t.acc[0]);
    free(t.acc);
    return result;
}

/* ---- the entry point ----------------------------------------------------- */

double
vd_dot_exact(vd_vector a, vd_vector b, size_t n, int threads)
{
    if (n == 0) {
        return 0.0;
    }
    /* The fast mode's policy (dot.c), then never more threads than chunks.
     * The thread count changes who computes what, never the operations:
     * the certified path depends on n alone and the exact sum on nothing. */
    size_t nchunks = (n + VD_CHUNK - 1) / VD_CHUNK;
    int useful = vd_threads_for(n, threads);
    size_t nthreads = useful < 1 ? 1 : (size_t)useful;
    if (nthreads > VD_MAX_THREADS) {
        nthreads = VD_MAX_THREADS;
    }
    if (nthreads > nchunks) {
        nthreads = nchunks;
    }
    int ok;
    double hi = comp_certified(comp_all(a, b, n, nthreads), n, &ok);
    return ok ? hi : exact_sum(a, b, n, nthreads);
}
