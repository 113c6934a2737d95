/* test_kernel.c: the plain-C kernels tested from C alone (no Python).
 *
 * `make test-c` builds this with the kernel sources and runs it. Every
 * expected value below is exact by construction (small integers, powers of
 * two, or terms that cancel exactly), so a check can only pass when the
 * kernel is right.
 */
#define _POSIX_C_SOURCE 200809L     /* fork() and waitpid() */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"
#include "parse.h"

#if !defined(__STDC_NO_THREADS__)
#  include <stdatomic.h>
#  include <threads.h>
#  include <sys/wait.h>
#  include <unistd.h>
#  define HAVE_THREADS 1
#endif

static int failures, checks;

static int
same(double x, double y)
{
    return (isnan(x) && isnan(y)) || (x == y && signbit(x) == signbit(y));
}

#define CHECK_EQ(got, want) check_eq((got), (want), #got, __LINE__)

static void
check_eq(double got, double want, const char *expr, int line)
{
    checks++;
    if (!same(got, want)) {
        failures++;
        printf("FAIL line %d: %s\n  got  %a (%.17g)\n  want %a (%.17g)\n", line, expr,
               got, got, want, want);
    }
}

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
    return vd_dot_exact(f64(a), f64(b), n);
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
    CHECK_EQ(vd_dot_exact(every_other, f64(ones), 1000), (double)even);
    CHECK_EQ(vd_dot(floats, f64(ones), 1000, 1), (double)even);
    CHECK_EQ(vd_dot_exact(floats, every_other, 1000), (double)(4 * 332833500LL));
    CHECK_EQ(vd_dot(reversed, f64(a), 2, 1), 1999.0 * 0 + 1998.0 * 1);
    CHECK_EQ(vd_dot_exact(reversed, every_other, 1000), vd_dot(every_other, reversed, 1000, 1));
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
    CHECK_EQ(vd_dot_exact(odd, f64(ones), 100), 4950.0);
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

#ifdef HAVE_THREADS
/* Several callers share the pool at once: each call's chunks are its own,
 * whoever helps, and a caller never waits for another's job. */
enum { CALLERS = 4, CALLS = 25 };

typedef struct {
    const double *a, *b;
    size_t n;
    double got[CALLS];
} caller_args;

static int
caller(void *p)
{
    caller_args *c = p;
    for (int i = 0; i < CALLS; i++) {
        c->got[i] = vd_dot(f64(c->a), f64(c->b), c->n - (size_t)i * 1000, 2 + i % 3);
    }
    return 0;
}

static double
integer_dot(const double *a, const double *b, size_t n)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += (int64_t)a[i] * (int64_t)b[i];
    }
    return (double)sum;
}

static void
test_concurrent_callers(void)
{
    size_t n = 3 * VD_MIN_PER_THREAD + 777;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++) {
        a[i] = (double)(i % 7) - 3;
        b[i] = (double)(i % 5);
    }
    caller_args args[CALLERS];
    thrd_t ids[CALLERS];
    for (int t = 0; t < CALLERS; t++) {
        args[t] = (caller_args){a + t, b, n - (size_t)t, {0}};
        checks++;
        if (thrd_create(&ids[t], caller, &args[t]) != thrd_success) {
            failures++;
            printf("FAIL thrd_create\n");
            ids[t] = 0;
            args[t].n = 0;
        }
    }
    for (int t = 0; t < CALLERS; t++) {
        if (args[t].n == 0) {
            continue;
        }
        thrd_join(ids[t], NULL);
        for (int i = 0; i < CALLS; i++) {
            size_t len = args[t].n - (size_t)i * 1000;
            CHECK_EQ(args[t].got[i], integer_dot(a + t, b, len));
        }
    }
    free(a);
    free(b);
}

/* With every core busy, helpers lose their CPU mid-chunk. The answer must
 * not change, and no helper may still read the vectors once vd_dot has
 * returned: each call's vectors are freed right after it (at this size
 * malloc maps them and free unmaps them, so a late read faults). */
static atomic_int hogs_run;

static int
hog(void *unused)
{
    (void)unused;
    while (atomic_load(&hogs_run)) {
        thrd_yield();
    }
    return 0;
}

static void
test_threads_on_busy_cores(void)
{
    enum { HOGS = 6 };
    size_t n = 6 * VD_CHUNK + 99;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++) {
        a[i] = (double)(i % 17) - 8;
        b[i] = (double)(i % 3);
    }
    double want = integer_dot(a, b, n);
    thrd_t ids[HOGS];
    int started = 0;
    atomic_store(&hogs_run, 1);
    for (; started < HOGS; started++) {
        if (thrd_create(&ids[started], hog, NULL) != thrd_success) {
            break;
        }
    }
    for (int i = 0; i < 200; i++) {
        double *ca = malloc(n * sizeof *ca), *cb = malloc(n * sizeof *cb);
        memcpy(ca, a, n * sizeof *ca);
        memcpy(cb, b, n * sizeof *cb);
        double got = vd_dot(f64(ca), f64(cb), n, 2 + i % 4);
        free(ca);
        free(cb);
        CHECK_EQ(got, want);
    }
    atomic_store(&hogs_run, 0);
    for (int t = 0; t < started; t++) {
        thrd_join(ids[t], NULL);
    }
    free(a);
    free(b);
}

/* A child forked after the pool started has none of the parent's helpers:
 * its threaded calls must start their own, not wait for ghosts. (Built with
 * SKIP_FORK_TEST under qemu-user 7.2, where a child forked while any thread
 * is alive cannot start a thread at all: qemu asserts, with or without
 * vecdot.) */
static void
test_fork_after_threads(void)
{
#ifdef SKIP_FORK_TEST
    return;
#endif
    size_t n = 4 * VD_MIN_PER_THREAD;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++) {
        a[i] = (double)(i % 9);
        b[i] = (double)(i % 4) - 1;
    }
    double want = integer_dot(a, b, n);
    CHECK_EQ(vd_dot(f64(a), f64(b), n, 4), want);       /* the pool is up */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = 1;
        for (int i = 0; i < 5; i++) {
            ok &= vd_dot(f64(a), f64(b), n, 4) == want;
        }
        _exit(ok ? 0 : 1);
    }
    int status = -1;
    checks++;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0) {
        failures++;
        printf("FAIL threaded dot in a forked child: status %d\n", status);
    }
    CHECK_EQ(vd_dot(f64(a), f64(b), n, 4), want);       /* and in the parent */
    free(a);
    free(b);
}
#endif

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

/* ---- the parser ---------------------------------------------------------- */

static void
check_parse(const char *text, double want)
{
    double got = -12345.0;
    checks++;
    int rc = vd_parse_number(text, strlen(text), &got);
    if (rc != VD_PARSE_OK || !same(got, want)) {
        failures++;
        printf("FAIL parse \"%s\": rc %d, got %a, want %a\n", text, rc, got, want);
    }
}

static void
check_invalid(const char *text)
{
    double got;
    checks++;
    if (vd_parse_number(text, strlen(text), &got) != VD_PARSE_INVALID) {
        failures++;
        printf("FAIL parse \"%s\" should be invalid, got %a\n", text, got);
    }
}

static void
test_parse(void)
{
    /* Forms float() accepts; values written as exact hex floats. */
    check_parse("1", 1.0);
    check_parse("-2.5", -2.5);
    check_parse("+.5", 0.5);
    check_parse("5.", 5.0);
    check_parse(" \t7\n", 7.0);
    check_parse("1_000", 1000.0);
    check_parse("1e3", 1000.0);
    check_parse("1E+3", 1000.0);
    check_parse("2.5e-1", 0.25);
    check_parse("1_0.2_5e0_1", 102.5);
    check_parse("-0", -0.0);
    check_parse("0e999999999999", 0.0);
    check_parse("1e23", 1e23);                       /* scaled fast path */
    check_parse("0.1", 0x1.999999999999ap-4);
    check_parse("3.141592653589793", 0x1.921fb54442d18p+1);
    check_parse("9007199254740993", 0x1p53);         /* 2^53 + 1: tie to even */
    check_parse("9007199254740995", 0x1.0000000000002p53);
    check_parse("1e400", INFINITY);
    check_parse("-1e400", -INFINITY);
    check_parse("1e-400", 0.0);
    check_parse("4.9406564584124654e-324", 0x1p-1074);
    check_parse("2.4703282292062328e-324", 0x1p-1074); /* just above half: up */
    check_parse("2.4703282292062327e-324", 0.0);        /* just below half: 0 */
    check_parse("1.7976931348623157e308", DBL_MAX);
    check_parse("0.000000000000000000000000000001", 1e-30);
    check_parse("123456789012345678901234567890", 1.2345678901234568e29);
    check_parse("inf", INFINITY);
    check_parse("-Infinity", -INFINITY);
    check_parse("nan", NAN);
    check_parse("+NaN", NAN);

    /* Forms float() rejects. */
    const char *bad[] = {"", " ", "+", "-", ".", "e5", "1e", "1e+", "1_", "_1",
                         "1__0", "1_.5", "1._5", "1e_5", "1e5_", "0x10", "1 2",
                         "1,2", "infinit", "nana", "++1", "1.5.2", "1e5e5", "--1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        check_invalid(bad[i]);
    }
}

static void
test_fields(void)
{
    const char *s = "1, 2.5,-3";
    size_t len = strlen(s), pos = 0;
    double v[3];
    checks++;
    if (vd_count_fields(s, len) != 3 || vd_count_fields("", 0) != 0
        || vd_count_fields(",", 1) != 2) {
        failures++;
        printf("FAIL vd_count_fields\n");
    }
    for (int i = 0; i < 3; i++) {
        checks++;
        if (vd_parse_next(s, len, &pos, &v[i]) != VD_PARSE_OK) {
            failures++;
            printf("FAIL vd_parse_next field %d\n", i);
        }
    }
    CHECK_EQ(v[0], 1.0);
    CHECK_EQ(v[1], 2.5);
    CHECK_EQ(v[2], -3.0);
    checks++;
    if (pos != len) {
        failures++;
        printf("FAIL vd_parse_next left pos at %zu, not %zu\n", pos, len);
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
#ifdef HAVE_THREADS
    test_concurrent_callers();
    test_threads_on_busy_cores();
    test_fork_after_threads();
#endif
    test_cancellation();
    test_ill_conditioned();
    test_overflow_and_underflow();
    test_specials();
    test_parse();
    test_fields();
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
