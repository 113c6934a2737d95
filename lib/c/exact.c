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
 * The result is the exact dot product of the inputs' values rounded to the
 * nearest float64, ties to even, for every finite input; it is +-inf only
 * when that rounded value overflows. With inf or nan among the inputs the
 * result follows IEEE: nan if any product is nan (nan, or inf * 0) or
 * infinities of both signs meet, else the infinity's sign.
 */
#include <float.h>
#include <math.h>

#include "dot.h"
#include "block.h"
#include "cpu.h"
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

/* ---- 2. the exact sum ----------------------------------------------------- */

static double
exact_sum(vd_vector a, vd_vector b, size_t n)
{
    vd_superacc sa;
    vd_sa_init(&sa);
    double bufa[VD_BLOCK], bufb[VD_BLOCK];
    for (size_t i = 0; i < n; i += VD_BLOCK) {
        size_t len = vd_block_len(i, n);
        const double *pa = vd_block(a, i, len, bufa);
        const double *pb = vd_block(b, i, len, bufb);
        for (size_t j = 0; j < len; j++) {
            vd_sa_add_product(&sa, pa[j], pb[j]);
        }
    }
    return vd_sa_round(&sa);
}

/* ---- the entry point ----------------------------------------------------- */

double
vd_dot_exact(vd_vector a, vd_vector b, size_t n)
{
    if (n == 0) {
        return 0.0;
    }
    comp_state st;
    memset(&st, 0, sizeof st);
    double bufa[VD_BLOCK], bufb[VD_BLOCK];
    for (size_t i = 0; i < n; i += VD_BLOCK) {
        size_t len = vd_block_len(i, n);
        comp_pass(&st, vd_block(a, i, len, bufa), vd_block(b, i, len, bufb), len);
    }

    /* Merge the lanes: the s exactly (TwoSum), the c by plain addition. */
    double s = 0.0, c = 0.0, r_merge = 0.0, r_lanes = 0.0;
    for (size_t k = 0; k < CL; k++) {
        comp_add(&s, &c, &r_merge, st.s[k]);
    }
    for (size_t k = 0; k < CL; k++) {
        c += st.c[k];
        r_merge += fabs(st.c[k]);
        r_lanes += st.r[k];
    }
    double hi = s + c, z = hi - s;
    double lo = (s - (hi - z)) + (c - z); /* hi + lo == s + c exactly */

    /* Error bound. A chain of m rounded additions whose terms have absolute
     * sum R errs by at most m*u*R (to first order; the factor 1 + 2^-10
     * covers the rest while n*u < 2^-20): each lane's c chain has at most
     * ceil(n/CL) + 1 roundings, the merge chain 2*CL + 2. Products that
     * underflow lose at most a few 2^-1075 each: the last term covers them
     * generously. The interval check then certifies or rejects hi. */
    if (n < ((size_t)1 << 32)) {
        double per_lane = (double)(n / CL + 2);
        double err = (per_lane * r_lanes + (double)(2 * CL + 2) * r_merge)
                         * 0x1p-53 * (1.0 + 0x1p-10)
                     + (double)(n + 4 * CL) * 0x1p-1060;
        if (isfinite(s) && isfinite(c) && isfinite(r_lanes) && isfinite(r_merge)
            && certified(hi, lo, err)) {
            return hi;
        }
    }
    return exact_sum(a, b, n);
}
