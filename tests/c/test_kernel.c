/* test_kernel.c: the dot kernels (dot.h) tested from C alone, no Python.
 *
 * `make test-c` builds this with the kernel sources and runs it, natively,
 * under ASan+UBSan and for aarch64. Every expected value below is exact by
 * construction (small integers, powers of two, or terms that cancel
 * exactly), so a check can only pass when the kernel is right. The thread
 * pool's own tests (concurrent callers, busy cores, fork) are test_pool.c.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dot.h"

static vd_vector
f64(const double *x)
{
    return (vd_vector){(const char *)x, sizeof(double), VD_F64};
}

static double
fast(const double *a, const double *b, size_t n)
{
    return vd_dot(f64(a), f64(b), n, 1);
}

static double
exact(const double *a, const double *b, size_t n)
{
    return vd_dot_exact(f64(a), f64(b), n, 1);
}

/* ---- both modes agree with integer arithmetic ---------------------------- */

static void
test_small_integers(void)
{
    double a[] = {1, 2, 3}, b[] = {4, 5, 6};
    CHECK_EQ(fast(a, b, 3), 32.0);
    CHECK_EQ(exact(a, b, 3), 32.0);
    CHECK_EQ(fast(a, b, 0), 0.0);
    CHECK_EQ(exact(a, b, 0), 0.0);
}

/* Every length around the lane and block sizes, so tails are covered. */
static void
test_lengths(void)
{
    enum { N = 1100 };
    static double a[N], b[N];
    for (size_t n = 0; n < N; n += n < 40 ? 1 : 37) {
        int64_t want = 0;
        for (size_t i = 0; i < n; i++) {
            a[i] = (double)(i % 7) - 3;
            b[i] = (double)(i % 5) + 1;
            want += ((int64_t)(i % 7) - 3) * ((int64_t)(i % 5) + 1);
        }
        CHECK_EQ(fast(a, b, n), (double)want);
        CHECK_EQ(exact(a, b, n), (double)want);
    }
}

/* Strided, reversed, float32 and mixed views read the right elements. */
static void
test_views(void)
{
    double a[2000];
    float f[1000];
    double ones[1000];
    int64_t even = 0;
    for (int i = 0; i < 2000; i++) {
        a[i] = i;
        even += i % 2 == 0 ? i : 0;
    }
    for (int i = 0; i < 1000; i++) {
        f[i] = (float)(2 * i);
        ones[i] = 1.0;
    }
    vd_vector every_other = {(const char *)a, 2 * sizeof(double), VD_F64};
    vd_vector reversed = {(const char *)&a[1999], -(ptrdiff_t)sizeof(double), VD_F64};
    vd_vector floats = {(const char *)f, sizeof(float), VD_F32};
    CHECK_EQ(vd_dot(every_other, f64(ones), 1000, 1), (double)even);
    CHECK_EQ(vd_dot_exact(every_other, f64(ones), 1000, 1), (double)even);
    CHECK_EQ(vd_dot(floats, f64(ones), 1000, 1), (double)even);
    CHECK_EQ(vd_dot_exact(floats, every_other, 1000, 1), (double)(4 * 332833500LL));
    CHECK_EQ(vd_dot(reversed, f64(a), 2, 1), 1999.0 * 0 + 1998.0 * 1);
    CHECK_EQ(vd_dot_exact(reversed, every_other, 1000, 1), vd_dot(every_other, reversed, 1000, 1));
}

/* A misaligned float64 vector is read correctly (through memcpy). */
static void
test_misaligned(void)
{
    unsigned char raw[8 * 101];
    double ones[100];
    for (int i = 0; i < 100; i++) {
        double v = i;
        memcpy(raw + 1 + 8 * i, &v, 8);
        ones[i] = 1.0;
    }
    vd_vector odd = {(const char *)raw + 1, sizeof(double), VD_F64};
    CHECK_EQ(vd_dot(odd, f64(ones), 100, 1), 4950.0);
    CHECK_EQ(vd_dot_exact(odd, f64(ones), 100, 1), 4950.0);
}

/* Threads share the work but not the answer: the sum of integers is exact,
 * and for any data every thread count gives the same bits (chunk sums are
 * added in chunk order, whoever computed them). */
static void
test_threads(void)
{
    size_t n = 5 * VD_MIN_PER_THREAD + 12345;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    int64_t want = 0;
    for (size_t i = 0; i < n; i++) {
        a[i] = (double)(i % 11);
        b[i] = (double)(i % 13) - 6;
        want += (int64_t)(i % 11) * ((int64_t)(i % 13) - 6);
    }
    for (int t = 1; t <= 8; t++) {
        CHECK_EQ(vd_dot(f64(a), f64(b), n, t), (double)want);
    }
    CHECK_EQ(vd_dot(f64(a), f64(b), n, 1000), (double)want); /* clamped */

    srand(99);
    for (size_t i = 0; i < n; i++) {
        a[i] = (double)rand() / RAND_MAX - 0.5;
        b[i] = ldexp((double)rand() / RAND_MAX, rand() % 40 - 20);
    }
    double one = vd_dot(f64(a), f64(b), n, 1);
    for (int t = 2; t <= 8; t++) {
        CHECK_EQ(vd_dot(f64(a), f64(b), n, t), one);
    }
    free(a);
    free(b);
}

/* ---- the accurate mode is exact where the fast one cannot be ------------- */

static void
test_cancellation(void)
{
    double a[] = {1e16, 1.0, -1e16}, b[] = {1, 1, 1};
    CHECK_EQ(exact(a, b, 3), 1.0);

    /* 1 + 2^-53 is a tie: to even, 1. One more 2^-106 breaks the tie up. */
    double t[] = {1.0, 0x1p-53, 0x1p-106}, ones[] = {1, 1, 1};
    CHECK_EQ(exact(t, ones, 2), 1.0);
    CHECK_EQ(exact(t, ones, 3), 1.0 + 0x1p-52);
    CHECK_EQ(fast(t, ones, 3), 1.0);  /* why accurate=True exists */
    double neg[] = {-1.0, -0x1p-53, -0x1p-106};
    CHECK_EQ(exact(neg, ones, 3), -1.0 - 0x1p-52);
}

/* Random products plus their exact negatives cancel to zero; what is left
 * is a known small integer, whatever the condition number. */
static void
test_ill_conditioned(void)
{
    enum { PAIRS = 3000 };
    static double a[2 * PAIRS + 3], b[2 * PAIRS + 3];
    srand(12345);
    for (int trial = 0; trial < 50; trial++) {
        size_t n = 0;
        for (int i = 0; i < PAIRS; i++) {
            double x = ldexp((double)rand() / RAND_MAX, rand() % 200 - 100);
            double y = ldexp((double)rand() / RAND_MAX, rand() % 200 - 100);
            a[n] = x, b[n++] = y;
            a[n] = -x, b[n++] = y;
        }
        a[n] = trial, b[n++] = 3;
        a[n] = 1, b[n++] = 0x1p-60;   /* a bit far below the leading term */
        /* Shuffle so the cancelling pairs land in different lanes. */
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)rand() % (i + 1);
            double ta = a[i], tb = b[i];
            a[i] = a[j], b[i] = b[j];
            a[j] = ta, b[j] = tb;
        }
        double want = trial == 0 ? 0x1p-60 : 3.0 * trial; /* 2^-60 is below half an ulp */
        CHECK_EQ(exact(a, b, n), want);
    }
}

static void
test_overflow_and_underflow(void)
{
    double ones[64];
    for (int i = 0; i < 64; i++) {
        ones[i] = 1.0;
    }
    /* Products beyond float64 that cancel exactly. */
    double big[] = {1e300, 1e300}, pm[] = {1e300, -1e300};
    CHECK_EQ(exact(big, pm, 2), 0.0);
    double m[] = {DBL_MAX, DBL_MAX, -DBL_MAX};
    CHECK_EQ(exact(m, ones, 3), DBL_MAX);
    CHECK_EQ(exact(m, ones, 2), INFINITY);           /* the true sum overflows */
    double negm[] = {-DBL_MAX, -DBL_MAX};
    CHECK_EQ(exact(negm, ones, 2), -INFINITY);

    /* 64 products of 2^-1080 add up to exactly the smallest subnormal. */
    double tiny[64];
    for (int i = 0; i < 64; i++) {
        tiny[i] = 0x1p-540;
    }
    CHECK_EQ(exact(tiny, tiny, 64), 0x1p-1074);
    CHECK_EQ(exact(tiny, tiny, 32), 0.0);            /* half of it: tie to even, 0 */
    CHECK_EQ(exact(tiny, tiny, 33), 0x1p-1074);      /* just over half: up */
    double sub[] = {0x1p-1074, 0x1p-1074}, two[] = {3.0, 0.5};
    CHECK_EQ(exact(sub, two, 1), 0x1.8p-1073);
    CHECK_EQ(exact(sub, two, 2), 0x1p-1072);         /* 3.5 units: tie to even, 4 */
}

static void
test_specials(void)
{
    double one[] = {1.0, 1.0}, zero[] = {0.0, 0.0};
    double inf[] = {INFINITY, 1.0}, ninf[] = {-INFINITY, 1.0}, nan_[] = {NAN, 1.0};
    double both[] = {INFINITY, -INFINITY};
    for (int accurate = 0; accurate <= 1; accurate++) {
        double (*f)(const double *, const double *, size_t) = accurate ? exact : fast;
        CHECK_EQ(f(inf, one, 2), INFINITY);
        CHECK_EQ(f(ninf, one, 2), -INFINITY);
        CHECK_EQ(f(nan_, one, 2), NAN);
        CHECK_EQ(f(inf, zero, 2), NAN);
        CHECK_EQ(f(both, one, 2), NAN);
    }
}

/* A zero sum is +0.0 in both modes, as math.sumprod and math.fsum give
 * (numpy gives -0.0 for one product of -0.0): the sums start from +0.0,
 * and under round-to-nearest x + -x and +0 + -0 are +0. The exact mode
 * rounds a nonzero sum too small for float64 to the zero of its sign. */
static void
test_zero_sign(void)
{
    double neg0[] = {-0.0, -0.0}, one[] = {1.0, 1.0}, pm[] = {1.0, -1.0};
    double tiny[] = {-0x1p-600}, small[] = {0x1p-600};
    for (int accurate = 0; accurate <= 1; accurate++) {
        double (*f)(const double *, const double *, size_t) = accurate ? exact : fast;
        CHECK_EQ(f(neg0, one, 1), 0.0);             /* one product of -0.0 */
        CHECK_EQ(f(neg0, one, 2), 0.0);             /* every product -0.0 */
        CHECK_EQ(f(pm, one, 2), 0.0);               /* 1 - 1 */
        CHECK_EQ(f(one, neg0, 0), 0.0);             /* no products */
    }
    size_t n = 3 * VD_CHUNK;                        /* chunk sums, shared by threads */
    double *zeros = malloc(n * sizeof *zeros), *ones = malloc(n * sizeof *ones);
    for (size_t i = 0; i < n; i++) {
        zeros[i] = -0.0;
        ones[i] = 1.0;
    }
    CHECK_EQ(vd_dot(f64(zeros), f64(ones), n, 1), 0.0);
    CHECK_EQ(vd_dot(f64(zeros), f64(ones), n, 3), 0.0);
    CHECK_EQ(vd_dot_exact(f64(zeros), f64(ones), n, 1), 0.0);
    CHECK_EQ(vd_dot_exact(f64(zeros), f64(ones), n, 3), 0.0);
    free(zeros);
    free(ones);
    CHECK_EQ(fast(tiny, small, 1), 0.0);            /* the product underflows to -0.0 */
    CHECK_EQ(exact(tiny, small, 1), -0.0);          /* -2^-1200, correctly rounded */
}

/* ---- the accurate mode on threads ---------------------------------------- */

/* The thread counts every threaded exact test runs with: one, an even and an
 * odd split, and more threads than the machine has cores. */
static const int exact_threads[] = {1, 2, 3, 8};
#define N_EXACT_THREADS (sizeof exact_threads / sizeof exact_threads[0])

/* vd_dot_exact(a, b, n, t) is want for every thread count above. */
static void
check_exact_threads(const double *a, const double *b, size_t n, double want, int line)
{
    for (size_t i = 0; i < N_EXACT_THREADS; i++) {
        double got = vd_dot_exact(f64(a), f64(b), n, exact_threads[i]);
        checks++;
        if (!same(got, want)) {
            failures++;
            printf("FAIL line %d: vd_dot_exact(threads=%d)\n  got  %a\n  want %a\n", line,
                   exact_threads[i], got, want);
        }
    }
}

/* Vectors of several chunks plus a tail, zero-filled. */
static size_t
exact_alloc(double **a, double **b)
{
    size_t n = 6 * VD_CHUNK + 1001;
    *a = calloc(n, sizeof **a);
    *b = calloc(n, sizeof **b);
    return n;
}

/* Cancelling pairs of large random products spread over every chunk, and
 * what is left placed in chunks of its own: the correctly rounded result is
 * known by construction, and only the exact fallback, shared among threads,
 * can reach it. */
static void
test_exact_threads_ill_conditioned(void)
{
    double *a, *b;
    size_t n = exact_alloc(&a, &b);
    srand(2024);
    for (int trial = 0; trial < 4; trial++) {
        for (size_t i = 0; i + 1 < n; i += 2) {
            double x = ldexp((double)rand() / RAND_MAX, rand() % 400 - 200);
            double y = ldexp((double)rand() / RAND_MAX, rand() % 400 - 200);
            a[i] = x, b[i] = y;
            a[i + 1] = -x, b[i + 1] = y;
        }
        a[n - 1] = b[n - 1] = 0.0;
        /* Overwrite both halves of some pairs with the remainder: 1 + 2^-53
         * is a tie (to even: 1), broken upward by 2^-106 four chunks away. */
        size_t one = 3, half = 2 * VD_CHUNK + 5, tiebreak = 5 * VD_CHUNK + 7;
        a[one] = 1.0, b[one] = 1.0, a[one - 1] = 0.0;
        a[half] = 0x1p-53, b[half] = 1.0, a[half - 1] = 0.0;
        a[tiebreak] = 0x1p-106, b[tiebreak] = trial % 2 ? -1.0 : 1.0, a[tiebreak - 1] = 0.0;
        check_exact_threads(a, b, n, trial % 2 ? 1.0 : 1.0 + 0x1p-52, __LINE__);
    }
    free(a);
    free(b);
}

/* Exact integer sums everywhere (certified at once) but in one chunk,
 * which holds products of 1e200 that cancel and a remainder of 0.5 + 2^-60:
 * the bound of that one chunk sends the whole sum to the exact path. */
static void
test_exact_threads_one_bad_chunk(void)
{
    double *a, *b;
    size_t n = exact_alloc(&a, &b);
    int64_t ints = 0;
    for (size_t i = 0; i < n; i++) {
        a[i] = (double)(i % 11);
        b[i] = (double)(i % 13) - 6;
        ints += (int64_t)(i % 11) * ((int64_t)(i % 13) - 6);
    }
    size_t lo = 4 * VD_CHUNK, hi = lo + VD_CHUNK;
    srand(7);
    for (size_t i = lo; i < hi; i += 2) {
        ints -= (int64_t)(i % 11) * ((int64_t)(i % 13) - 6)
                + (int64_t)((i + 1) % 11) * ((int64_t)((i + 1) % 13) - 6);
        a[i] = 1e200 * ((double)rand() / RAND_MAX + 0.5), b[i] = (double)rand() / RAND_MAX;
        a[i + 1] = -a[i], b[i + 1] = b[i];
    }
    a[lo + 10] = 0.5, b[lo + 10] = 1.0, a[lo + 11] = 0.0;
    a[lo + 100] = 0x1p-60, b[lo + 100] = 1.0, a[lo + 101] = 0.0;
    /* ints is far below 2^52: ints + 0.5 is a float, and 2^-60 is less than
     * half its ulp. */
    check_exact_threads(a, b, n, (double)ints + 0.5, __LINE__);
    CHECK(vd_dot(f64(a), f64(b), n, 1) != (double)ints + 0.5); /* the fast mode cannot */
    free(a);
    free(b);
}

/* Well-conditioned random data takes the certified path; whatever its
 * result, every thread count gives the same bits, and so do strided and
 * float32 views that must be copied block by block. */
static void
test_exact_threads_same_bits(void)
{
    double *a, *b;
    size_t n = exact_alloc(&a, &b);
    srand(31);
    for (size_t i = 0; i < n; i++) {
        a[i] = (double)rand() / RAND_MAX - 0.25;
        b[i] = ldexp((double)rand() / RAND_MAX, rand() % 20 - 10);
    }
    check_exact_threads(a, b, n, vd_dot_exact(f64(a), f64(b), n, 1), __LINE__);
    /* b read backwards from a reversed copy: the same elements, copied. */
    double *rev = malloc(n * sizeof *rev);
    for (size_t i = 0; i < n; i++) {
        rev[i] = b[n - 1 - i];
    }
    vd_vector backwards = {(const char *)&rev[n - 1], -(ptrdiff_t)sizeof(double), VD_F64};
    for (size_t i = 0; i < N_EXACT_THREADS; i++) {
        CHECK_EQ(vd_dot_exact(f64(a), backwards, n, exact_threads[i]),
                 vd_dot_exact(f64(a), f64(b), n, 1));
    }
    free(rev);
    free(a);
    free(b);
}

/* inf and nan in a single chunk of a long vector decide the result, as
 * IEEE does, on every thread count. */
static void
test_exact_threads_specials(void)
{
    double *a, *b;
    size_t n = exact_alloc(&a, &b);
    for (size_t i = 0; i < n; i++) {
        a[i] = 1.0, b[i] = (double)(i % 5);
    }
    size_t far = 5 * VD_CHUNK + 3;
    a[far] = INFINITY;
    check_exact_threads(a, b, n, INFINITY, __LINE__);
    a[far] = -INFINITY;
    check_exact_threads(a, b, n, -INFINITY, __LINE__);
    a[2] = INFINITY;                                   /* both signs: nan */
    check_exact_threads(a, b, n, NAN, __LINE__);
    a[2] = 1.0, a[far] = INFINITY, b[far] = 0.0;       /* inf * 0 */
    check_exact_threads(a, b, n, NAN, __LINE__);
    a[far] = NAN, b[far] = 1.0;
    check_exact_threads(a, b, n, NAN, __LINE__);
    free(a);
    free(b);
}

/* Chunk sums whose running total overflows though the exact sum does not,
 * and sums that do overflow. */
static void
test_exact_threads_overflow(void)
{
    double *a, *b;
    size_t n = exact_alloc(&a, &b);
    for (size_t i = 0; i < n; i++) {
        b[i] = 1.0;
    }
    size_t c1 = 1, c2 = VD_CHUNK + 1, c3 = 3 * VD_CHUNK + 1, c4 = 6 * VD_CHUNK + 1;
    a[c1] = DBL_MAX, a[c2] = DBL_MAX, a[c3] = -DBL_MAX;
    check_exact_threads(a, b, n, DBL_MAX, __LINE__);
    a[c4] = -DBL_MAX / 2;
    check_exact_threads(a, b, n, DBL_MAX / 2, __LINE__);
    a[c3] = DBL_MAX / 4, a[c4] = 0.0;                  /* 2.25 DBL_MAX */
    check_exact_threads(a, b, n, INFINITY, __LINE__);
    for (size_t i = 0; i < n; i++) {
        a[i] = -a[i];
    }
    check_exact_threads(a, b, n, -INFINITY, __LINE__);
    free(a);
    free(b);
}

/* The L2 size cpu0's sysfs lists ("512K"), in bytes; 0 where it lists none. */
static size_t
sysfs_l2_bytes(void)
{
    for (int index = 0; index < 8; index++) {
        char path[64];
        int level = 0;
        unsigned long size = 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            return 0;
        }
        int ok = fscanf(f, "%d", &level) == 1;
        fclose(f);
        if (!ok || level != 2) {
            continue;
        }
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
        f = fopen(path, "r");
        if (f == NULL) {
            return 0;
        }
        ok = fscanf(f, "%luK", &size) == 1;
        fclose(f);
        return ok ? (size_t)size << 10 : 0;
    }
    return 0;
}

/* Threads pay once the vectors outgrow the caller's L2 (dot.h): each thread
 * gets at least L2 / VD_L2_SHARE elements, never under a chunk, the same
 * value at every call. */
static void
test_min_per_thread_follows_the_l2_cache(void)
{
    size_t least = vd_min_per_thread();
    CHECK(least >= VD_CHUNK);
    CHECK(vd_min_per_thread() == least);
    size_t l2 = sysfs_l2_bytes();
    if (l2 > 0) {   /* Linux: the kernel read the same size, by sysconf or sysfs */
        size_t want = l2 / VD_L2_SHARE > VD_CHUNK ? l2 / VD_L2_SHARE : VD_CHUNK;
        CHECK(least == want);
    }
}

int
main(void)
{
    test_small_integers();
    test_lengths();
    test_views();
    test_misaligned();
    test_threads();
    test_cancellation();
    test_ill_conditioned();
    test_overflow_and_underflow();
    test_specials();
    test_zero_sign();
    test_exact_threads_ill_conditioned();
    test_exact_threads_one_bad_chunk();
    test_exact_threads_same_bits();
    test_exact_threads_specials();
    test_exact_threads_overflow();
    test_min_per_thread_follows_the_l2_cache();
    return report("test_kernel");
}
