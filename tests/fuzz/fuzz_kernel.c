/* fuzz_kernel.c: libFuzzer harness for the plain-C dot kernels (lib/c/dot.h).
 *
 * Each input describes two vectors (element type, stride, alignment, values)
 * laid out in heap blocks of exactly the bytes they span, so AddressSanitizer
 * sees any read outside them and any read of a gap between strided elements
 * (filled with nan) shows in the result. Then:
 *
 *   vd_dot_exact  equals an independent exact computation (GNU MPFR at 4400
 *                 bits, rounded once to double with IEEE subnormals), bit for
 *                 bit, on one thread and on several (tiled inputs); is
 *                 symmetric; flips sign with a; scales with 2^k.
 *   Both          return +0.0 for a zero sum; only vd_dot_exact gives -0.0,
 *                 for a negative exact sum too small for float64.
 *   vd_dot        stays within its documented bound,
 *                 gamma(ceil(n/16) + 4 + threads) * sum|a_i*b_i| (plus
 *                 n * 2^-1074 for products that underflow); is symmetric and
 *                 flips sign with a; equals the exact result on data whose
 *                 every partial sum is representable; ignores threads below
 *                 VD_MIN_PER_THREAD elements per thread.
 *
 * Input: byte 0 layout, byte 1 value mode and threads, byte 2 a power-of-two
 * exponent, then the values (see decode()). tests/fuzz/seeds.py writes the
 * checked-in seeds; scripts/fuzz.sh builds and runs this.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "dot.h"

#define MAX_N 4096                 /* elements per input (the values' bytes bound it too) */
#define TILE_N ((size_t)1 << 18)   /* tiled inputs: enough elements for two threads */
#define TILE_MAX_SOURCE 16         /* ... made from at most this many distinct pairs */
#define EXACT_PREC 4400            /* bits: 2^-2148 .. 2^2048 * 2^20 products, summed exactly */

/* ---- failing loudly ------------------------------------------------------ */

static void
fail(const char *what, double got, double want, size_t n)
{
    fprintf(stderr, "fuzz_kernel: %s (n=%zu)\n  got  %a (%.17g)\n  want %a (%.17g)\n",
            what, n, got, got, want, want);
    abort();
}

/* Equal values, or both nan. 0.0 == -0.0 here, for the sign-flip checks: the
 * dot of -a and b is -(a.b), but an exact zero is +0.0 either way. The sign
 * of a zero result is checked on its own, by check_zero_sign. */
static int
same(double x, double y)
{
    return x == y || (isnan(x) && isnan(y));
}

/* The sign of a zero result (README, "The sign of a zero result"): vd_dot
 * never returns -0.0; vd_dot_exact returns the correctly rounded exact sum,
 * -0.0 only for a negative sum too small for float64 (an exact zero is
 * +0.0, as MPFR's own round-to-nearest sum gives). */
static void
check_zero_sign(double exact, double fast, double want, size_t n)
{
    if (exact == 0.0 && want == 0.0 && signbit(exact) != signbit(want)) {
        fail("vd_dot_exact gives the wrong zero", exact, want, n);
    }
    if (fast == 0.0 && signbit(fast)) {
        fail("vd_dot gives -0.0", fast, 0.0, n);
    }
}

/* ---- the inputs ------------------------------------------------------------ */

typedef struct {
    double *a, *b;   /* the values as the kernels must read them (float32 widened) */
    size_t n;
    int f32[2];      /* element type of a and b */
    int stride_kind[2];
    int misalign;
    int threads;
    int scale;       /* k for the 2^k scaling invariant */
    int tile;        /* repeat the pairs up to TILE_N elements */
} spec;

static double
from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static uint64_t
read64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* A double with its exponent field replaced: biased exponent `e` (0..2047). */
static double
with_exponent(uint64_t bits, unsigned e)
{
    return from_bits((bits & ~((uint64_t)0x7ff << 52)) | ((uint64_t)(e & 0x7ff) << 52));
}

/* Narrow to float without C's undefined out-of-range conversion. */
static double
as_float(double x)
{
    if (isnan(x) || isinf(x)) {
        return (double)(float)x;
    }
    if (fabs(x) > FLT_MAX) {
        return copysign(INFINITY, x);
    }
    return (double)(float)x;
}

/* Value modes, chosen by byte 1 % 4, so the fuzzer reaches every regime:
 *   0  raw: 16 bytes, two doubles as they come (mostly extreme exponents)
 *   1  small: 4 bytes, int8 mantissas times 2^(-64..63): cancellation, ties,
 *      exactly summable integers
 *   2  moderate: 16 bytes, full mantissas with exponents 2^-100 .. 2^99
 *   3  edges: 16 bytes, exponents near underflow or near overflow
 */
static size_t
decode(const uint8_t *data, size_t size, spec *s)
{
    if (size < 3) {
        return 0;
    }
    uint8_t layout = data[0], mode = data[1] & 3;
    s->f32[0] = layout & 1;
    s->f32[1] = (layout >> 1) & 1;
    s->stride_kind[0] = (layout >> 2) & 3;
    s->stride_kind[1] = (layout >> 4) & 3;
    s->misalign = (layout >> 6) & 1;
    /* Tiled inputs cost ~2^18 element reads per call: one input in eight. */
    s->tile = (layout >> 7) & 1 && (data[1] >> 4) == 0xf;
    s->threads = 1 + ((data[1] >> 2) & 3);
    s->scale = (int8_t)data[2];
    data += 3;
    size -= 3;

    size_t width = mode == 1 ? 4 : 16;
    size_t n = size / width;
    if (n > MAX_N) {
        n = MAX_N;
    }
    s->a = malloc((n ? n : 1) * sizeof(double));
    s->b = malloc((n ? n : 1) * sizeof(double));
    for (size_t i = 0; i < n; i++, data += width) {
        double x, y;
        if (mode == 1) {
            x = ldexp((int8_t)data[0], (int)(data[1] & 127) - 64);
            y = ldexp((int8_t)data[2], (int)(data[3] & 127) - 64);
        }
        else {
            uint64_t bx = read64(data), by = read64(data + 8);
            if (mode == 2) {
                x = with_exponent(bx, 1023 - 100 + (unsigned)((bx >> 52) % 200));
                y = with_exponent(by, 1023 - 100 + (unsigned)((by >> 52) % 200));
            }
            else if (mode == 3) {
                unsigned ex = (unsigned)((bx >> 52) & 0x3f), ey = (unsigned)((by >> 52) & 0x3f);
                x = with_exponent(bx, bx >> 58 & 1 ? 2046 - ex : ex);
                y = with_exponent(by, by >> 58 & 1 ? 2046 - ey : ey);
            }
            else {
                x = from_bits(bx);
                y = from_bits(by);
            }
        }
        s->a[i] = s->f32[0] ? as_float(x) : x;
        s->b[i] = s->f32[1] ? as_float(y) : y;
    }
    s->n = n;
    if (s->tile && (n == 0 || n > TILE_MAX_SOURCE)) {
        s->tile = 0;
    }
    return n;
}

/* ---- laying a vector out in memory --------------------------------------- */

typedef struct {
    vd_vector vec;
    void *block;     /* what to free */
} layout;

/* Bytes from one element to the next for each stride kind: contiguous, with a
 * one-element gap, reversed, reversed with gaps. */
static ptrdiff_t
stride_of(int kind, size_t size)
{
    static const int steps[4] = {1, 2, -1, -3};
    return steps[kind] * (ptrdiff_t)size;
}

/* values[i % period] for i < n, in a block of exactly the bytes they span
 * (plus one leading byte when misaligned); gaps hold nan. */
static layout
lay_out(const double *values, size_t period, size_t n, int f32, int kind, int misalign)
{
    size_t size = f32 ? sizeof(float) : sizeof(double);
    ptrdiff_t stride = stride_of(kind, size);
    size_t step = (size_t)(stride < 0 ? -stride : stride);
    size_t span = n == 0 ? 0 : (n - 1) * step + size;
    char *block = malloc(span + (size_t)misalign + 1);   /* +1: malloc(0) may be NULL */
    char *base = block + misalign;
    for (size_t off = 0; off + size <= span; off += size) {
        if (f32) {
            float gap = NAN;
            memcpy(base + off, &gap, size);
        }
        else {
            double gap = NAN;
            memcpy(base + off, &gap, size);
        }
    }
    char *first = stride < 0 && n > 0 ? base + (n - 1) * step : base;
    for (size_t i = 0; i < n; i++) {
        char *p = first + (ptrdiff_t)i * stride;
        double v = values[i % period];
        if (f32) {
            float f = (float)v;   /* exact: decode() already narrowed it */
            memcpy(p, &f, size);
        }
        else {
            memcpy(p, &v, size);
        }
    }
    return (layout){{first, stride, f32 ? VD_F32 : VD_F64}, block};
}

/* ---- the oracle: exact arithmetic in MPFR -------------------------------- */

typedef struct {
    int nan, pos_inf, neg_inf;
    mpfr_t sum;        /* exact sum of the finite products */
    mpfr_t sum_abs;    /* exact sum of their absolute values */
    int underflows;    /* some nonzero product is below 2^-1022 */
    long lowest_bit;   /* exponent of the lowest set bit of any nonzero product */
} exact_dot;

static void
exact_init(exact_dot *e)
{
    e->nan = e->pos_inf = e->neg_inf = e->underflows = 0;
    e->lowest_bit = LONG_MAX;
    mpfr_init2(e->sum, EXACT_PREC);
    mpfr_init2(e->sum_abs, EXACT_PREC);
    mpfr_set_zero(e->sum, 1);
    mpfr_set_zero(e->sum_abs, 1);
}

static void
exact_clear(exact_dot *e)
{
    mpfr_clear(e->sum);
    mpfr_clear(e->sum_abs);
}

/* Exponent of the lowest set bit of a nonzero finite double. */
static long
lowest_bit(double x)
{
    int e;
    double m = frexp(fabs(x), &e);            /* x = m * 2^e, m in [0.5, 1) */
    uint64_t bits = (uint64_t)ldexp(m, 53);   /* exact: 53 bits */
    return e - 53 + __builtin_ctzll(bits);
}

/* The exact sum of x[i % period] * y[i % period] for i < period, times reps. */
static void
exact_compute(exact_dot *e, const double *x, const double *y, size_t period, size_t reps)
{
    mpfr_t px, py, p;
    mpfr_inits2(128, px, py, p, (mpfr_ptr)0);
    for (size_t i = 0; i < period; i++) {
        double u = x[i], v = y[i];
        if (isnan(u) || isnan(v)) {
            e->nan = 1;
        }
        else if (isinf(u) || isinf(v)) {
            if (u == 0.0 || v == 0.0) {
                e->nan = 1;                          /* inf * 0 */
            }
            else if (signbit(u) != signbit(v)) {
                e->neg_inf = 1;
            }
            else {
                e->pos_inf = 1;
            }
        }
        else if (u != 0.0 && v != 0.0) {
            mpfr_set_d(px, u, MPFR_RNDN);            /* exact: 53 bits into 128 */
            mpfr_set_d(py, v, MPFR_RNDN);
            if (mpfr_mul(p, px, py, MPFR_RNDN) != 0
                || mpfr_add(e->sum, e->sum, p, MPFR_RNDN) != 0) {
                fail("oracle lost precision", 0, 0, period);
            }
            mpfr_abs(p, p, MPFR_RNDN);
            mpfr_add(e->sum_abs, e->sum_abs, p, MPFR_RNDN);
            if (mpfr_cmp_d(p, DBL_MIN) < 0) {
                e->underflows = 1;
            }
            long low = lowest_bit(u) + lowest_bit(v);
            if (low < e->lowest_bit) {
                e->lowest_bit = low;
            }
        }
    }
    if (reps > 1) {
        mpfr_mul_ui(e->sum, e->sum, (unsigned long)reps, MPFR_RNDN);
        mpfr_mul_ui(e->sum_abs, e->sum_abs, (unsigned long)reps, MPFR_RNDN);
    }
    mpfr_clears(px, py, p, (mpfr_ptr)0);
}

/* x rounded once to the nearest double, ties to even, with IEEE subnormals
 * and overflow to inf (MPFR's documented emulation of binary64). */
static double
to_double(mpfr_t x)
{
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_t r;
    mpfr_init2(r, 53);
    int t = mpfr_set(r, x, MPFR_RNDN);
    mpfr_set_emin(-1073);
    mpfr_set_emax(1024);
    t = mpfr_check_range(r, t, MPFR_RNDN);
    mpfr_subnormalize(r, t, MPFR_RNDN);
    double d = mpfr_get_d(r, MPFR_RNDN);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    mpfr_clear(r);
    return d;
}

/* What vd_dot_exact must return (exact.c's header states the IEEE cases). */
static double
exact_result(exact_dot *e)
{
    if (e->nan || (e->pos_inf && e->neg_inf)) {
        return NAN;
    }
    if (e->pos_inf || e->neg_inf) {
        return e->pos_inf ? INFINITY : -INFINITY;
    }
    return to_double(e->sum);
}

/* ---- the fast kernel's guarantees ------------------------------------------ */

/* |fast - exact| <= gamma(k) * sum|a_i*b_i| + n * 2^-1074, k = ceil(n/16) + 4 +
 * threads, checked in exact arithmetic. Only for finite inputs whose absolute
 * sum leaves room below DBL_MAX, where no partial sum can overflow. */
static void
check_fast_bound(exact_dot *e, double fast, size_t n, int threads)
{
    if (e->nan || e->pos_inf || e->neg_inf || mpfr_cmp_d(e->sum_abs, DBL_MAX / 4) > 0) {
        return;
    }
    if (!isfinite(fast)) {
        fail("vd_dot is not finite for finite inputs without overflow", fast, 0, n);
    }
    mpfr_t err, bound, k;
    mpfr_init2(err, EXACT_PREC);
    mpfr_inits2(256, bound, k, (mpfr_ptr)0);
    mpfr_set_d(err, fast, MPFR_RNDN);
    mpfr_sub(err, err, e->sum, MPFR_RNDN);          /* exact at this precision */
    mpfr_abs(err, err, MPFR_RNDN);
    /* gamma(k) = k*u / (1 - k*u), rounded up */
    mpfr_set_ui(k, (unsigned long)((n + 15) / 16 + 4 + (size_t)threads), MPFR_RNDU);
    mpfr_mul_2si(k, k, -53, MPFR_RNDU);
    mpfr_ui_sub(bound, 1, k, MPFR_RNDD);
    mpfr_div(bound, k, bound, MPFR_RNDU);
    mpfr_mul(bound, bound, e->sum_abs, MPFR_RNDU);
    mpfr_set_ui(k, (unsigned long)n, MPFR_RNDU);
    mpfr_mul_2si(k, k, -1074, MPFR_RNDU);
    mpfr_add(bound, bound, k, MPFR_RNDU);
    int over = mpfr_cmp(err, bound) > 0;
    double want = mpfr_get_d(e->sum, MPFR_RNDN), room = mpfr_get_d(bound, MPFR_RNDU);
    mpfr_clear(err);
    mpfr_clears(bound, k, (mpfr_ptr)0);
    if (over) {
        fprintf(stderr, "fuzz_kernel: bound %a exceeded\n", room);
        fail("vd_dot outside its documented error bound", fast, want, n);
    }
}

/* Every product and partial sum is a multiple of 2^lowest_bit below
 * 2^(lowest_bit + 53): each addition is exact, whatever the order. */
static int
exactly_summable(exact_dot *e)
{
    if (e->nan || e->pos_inf || e->neg_inf || e->lowest_bit == LONG_MAX) {
        return 0;
    }
    if (e->lowest_bit < -1074) {
        return 0;                       /* a product below the smallest subnormal */
    }
    return mpfr_cmp_ui_2exp(e->sum_abs, 1, e->lowest_bit + 53) < 0;
}

/* ---- the harness ----------------------------------------------------------- */

static double
run_exact(const double *x, const double *y, size_t period, size_t n, const spec *s, int swap)
{
    layout la = lay_out(x, period, n, s->f32[swap], s->stride_kind[swap], s->misalign);
    layout lb = lay_out(y, period, n, s->f32[!swap], s->stride_kind[!swap], 0);
    double r = vd_dot_exact(la.vec, lb.vec, n, 1);
    free(la.block);
    free(lb.block);
    return r;
}

static double
run_fast(const double *x, const double *y, size_t period, size_t n, const spec *s, int swap,
         int threads)
{
    layout la = lay_out(x, period, n, s->f32[swap], s->stride_kind[swap], s->misalign);
    layout lb = lay_out(y, period, n, s->f32[!swap], s->stride_kind[!swap], 0);
    double r = vd_dot(la.vec, lb.vec, n, threads);
    free(la.block);
    free(lb.block);
    return r;
}

/* a scaled by 2^k, when every element scales exactly; NULL otherwise. */
static double *
scaled(const double *a, size_t n, int k, int f32)
{
    double *out = malloc((n ? n : 1) * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double v = ldexp(a[i], k);
        double stored = f32 ? as_float(v) : v;
        if (!isfinite(a[i]) || !isfinite(stored) || ldexp(stored, -k) != a[i]
            || (a[i] != 0.0 && fabs(stored) < (f32 ? FLT_MIN : DBL_MIN))) {
            free(out);
            return NULL;
        }
        out[i] = stored;
    }
    return out;
}

/* 2^18 elements, the pairs repeated: both kernels split them across threads,
 * and vd_dot_exact must give the exact result on one thread and on several
 * (its compensated pass and its exact fallback are both shared). The
 * layouts are built once, as each costs as much as a kernel call. */
static void
check_tiled(const spec *s, exact_dot *e, double want, size_t period, size_t n)
{
    layout la = lay_out(s->a, period, n, s->f32[0], s->stride_kind[0], s->misalign);
    layout lb = lay_out(s->b, period, n, s->f32[1], s->stride_kind[1], 0);
    for (int threads = 1; threads <= s->threads; threads += s->threads > 1 ? s->threads - 1 : 1) {
        double got = vd_dot_exact(la.vec, lb.vec, n, threads);
        if (!same(got, want)) {
            fprintf(stderr, "fuzz_kernel: threads=%d\n", threads);
            fail("vd_dot_exact differs from the exact result (tiled)", got, want, n);
        }
        double fast = vd_dot(la.vec, lb.vec, n, threads);
        check_fast_bound(e, fast, n, threads);
        check_zero_sign(got, fast, want, n);
        if (exactly_summable(e) && fast != want) {
            fail("vd_dot differs from the exact result on exactly summable data (tiled)", fast, want, n);
        }
    }
    free(la.block);
    free(lb.block);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spec s;
    memset(&s, 0, sizeof s);
    decode(data, size, &s);
    size_t period = s.n;
    size_t n = s.tile ? (TILE_N + period - 1) / period * period : s.n;
    size_t reps = s.tile ? n / period : 1;
    if (period == 0) {
        n = 0;
    }

    exact_dot e;
    exact_init(&e);
    exact_compute(&e, s.a, s.b, period, reps);
    double want = exact_result(&e);

    if (s.tile) {
        check_tiled(&s, &e, want, period, n);
        goto done;
    }

    double got = run_exact(s.a, s.b, period, n, &s, 0);
    if (!same(got, want)) {
        fail("vd_dot_exact differs from the exact result", got, want, n);
    }
    if (!same(run_exact(s.b, s.a, period, n, &s, 1), got)) {
        fail("vd_dot_exact(b, a) differs from vd_dot_exact(a, b)", run_exact(s.b, s.a, period, n, &s, 1), got, n);
    }

    double fast = run_fast(s.a, s.b, period, n, &s, 0, 1);
    check_fast_bound(&e, fast, n, 1);
    if (!same(run_fast(s.b, s.a, period, n, &s, 1, 1), fast)) {
        fail("vd_dot(b, a) differs from vd_dot(a, b)", run_fast(s.b, s.a, period, n, &s, 1, 1), fast, n);
    }
    if (e.nan && !isnan(fast)) {
        fail("vd_dot is not nan with a nan product", fast, NAN, n);
    }
    if (exactly_summable(&e) && fast != want) {
        fail("vd_dot differs from the exact result on exactly summable data", fast, want, n);
    }
    check_zero_sign(got, fast, want, n);
    double threaded = run_fast(s.a, s.b, period, n, &s, 0, s.threads);
    if (n / VD_MIN_PER_THREAD < 2 && !same(threaded, fast)) {
        fail("vd_dot with threads differs below the threading threshold", threaded, fast, n);
    }
    check_fast_bound(&e, threaded, n, s.threads);
    if (exactly_summable(&e) && threaded != want) {
        fail("threaded vd_dot differs from the exact result on exactly summable data", threaded, want, n);
    }

    {
        /* -a: every rounding is to nearest, which is symmetric in sign. */
        double *neg = malloc((period ? period : 1) * sizeof(double));
        for (size_t i = 0; i < period; i++) {
            neg[i] = -s.a[i];
        }
        double flipped = run_exact(neg, s.b, period, n, &s, 0);
        if (!same(flipped, -got)) {
            fail("vd_dot_exact(-a, b) is not -vd_dot_exact(a, b)", flipped, -got, n);
        }
        double flipped_fast = run_fast(neg, s.b, period, n, &s, 0, 1);
        if (!same(flipped_fast, -fast)) {
            fail("vd_dot(-a, b) is not -vd_dot(a, b)", flipped_fast, -fast, n);
        }
        free(neg);

        /* 2^k * a: the exact sum scales exactly; its rounding does too while
         * both results are normal. */
        double *up = scaled(s.a, period, s.scale, s.f32[0]);
        if (up != NULL) {
            double r = run_exact(up, s.b, period, n, &s, 0);
            if (isfinite(r) && isfinite(got) && fabs(r) >= DBL_MIN && fabs(got) >= DBL_MIN
                && r != ldexp(got, s.scale)) {
                fail("vd_dot_exact(2^k a, b) is not 2^k vd_dot_exact(a, b)", r, ldexp(got, s.scale), n);
            }
            free(up);
        }
    }

done:
    exact_clear(&e);
    free(s.a);
    free(s.b);
    mpfr_free_cache();
    return 0;
}
