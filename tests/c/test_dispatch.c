/* test_dispatch.c: every SIMD path (cpu.h) gives the baseline's bits.
 *
 * The same calls, with lengths around every lane, block and chunk size,
 * strided, reversed, float32 and misaligned vectors, one thread and
 * several, run once per path the kernels have: baseline, AVX2 and AVX-512,
 * forced with vd_cpu_force. The fast kernel's sums are rounded at every
 * step, so a path that fused a*b+c or reordered a sum would change bits
 * here (an AVX2 copy built with FMA and -ffp-contract=fast failed this test
 * with 1314 of 6195 results different, before vd_dot_exact took a thread
 * count and got its own column). A path this CPU or build lacks is reported
 * as skipped, by name.
 *
 * First of all, before any other call in the process, several threads make
 * their first kernel call at once: each sees the one level found, without a
 * race (`make test-c` runs this program under helgrind; with GCC and clang
 * cpu.c asks at load time, elsewhere these calls race to vd_once).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu.h"
#include "dot.h"
#include "thread.h"

static const char *const level_names[] = {"baseline", "AVX2", "AVX-512"};

/* ---- the first calls, from several threads at once ---------------------- */

enum { FIRST_CALLERS = 4, FIRST_N = 3000 };

typedef struct {
    const double *a, *b;
    vd_cpu_level level;
    double fast, exact;
} first_call;

static vd_vector
f64(const double *x)
{
    return (vd_vector){(const char *)x, sizeof(double), VD_F64};
}

#ifdef VD_HAVE_THREADS
static VD_THREAD_RETURN
first_caller(void *arg)
{
    first_call *c = arg;
    c->fast = vd_dot(f64(c->a), f64(c->b), FIRST_N, 1);
    c->exact = vd_dot_exact(f64(c->a), f64(c->b), FIRST_N, 1);
    c->level = vd_cpu();
    return 0;
}
#endif

static void
test_first_calls_at_once(const double *a, const double *b)
{
#ifdef VD_HAVE_THREADS
    first_call calls[FIRST_CALLERS];
    vd_thread ids[FIRST_CALLERS];
    int started = 0;
    for (; started < FIRST_CALLERS; started++) {
        calls[started] = (first_call){a, b, VD_CPU_BASELINE, 0.0, 0.0};
        if (vd_thread_create(&ids[started], first_caller, &calls[started]) != 0) {
            break;
        }
    }
    CHECK(started == FIRST_CALLERS);
    for (int t = 0; t < started; t++) {
        vd_thread_join(ids[t]);
    }
    for (int t = 0; t < started; t++) {
        CHECK(calls[t].level == vd_cpu());
        CHECK_EQ(calls[t].fast, vd_dot(f64(a), f64(b), FIRST_N, 1));
        CHECK_EQ(calls[t].exact, vd_dot_exact(f64(a), f64(b), FIRST_N, 1));
    }
#else
    (void)a, (void)b;
    printf("test_dispatch: no threads: the concurrent first calls skipped\n");
#endif
}

/* ---- the path found is the CPU's ------------------------------------------ */

/* GCC's and clang's own reading of cpuid and XCR0 (libgcc, compiler-rt) as
 * the independent witness. */
static void
test_detected_level_is_the_cpus(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    vd_cpu_level want = VD_CPU_BASELINE;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        want = __builtin_cpu_supports("avx512f") ? VD_CPU_AVX512 : VD_CPU_AVX2;
    }
    CHECK(vd_cpu() == want);
#elif !defined(VD_CPU_X86)
    CHECK(vd_cpu() == VD_CPU_BASELINE);     /* nothing to dispatch to */
#endif
    printf("test_dispatch: this machine takes the %s path\n", level_names[vd_cpu()]);
}

/* ---- the same bits on every path ------------------------------------------- */

/* xorshift64*: the same numbers on every platform. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t
next_u64(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1du;
}

/* Either sign, 53 random bits, exponents over 2^-20 .. 2^20: every sum
 * rounds, so a change in the order of operations shows in the bits. */
static double
random_double(void)
{
    uint64_t u = next_u64();
    double m = (double)(u >> 11) * 0x1p-53 + 0.5;
    int e = (int)(u % 41) - 20;
    return (u & 1024 ? -m : m) * ldexp(1.0, e);
}

enum { MAX_N = 100000, STRIDE = 3 };

typedef enum { CONTIGUOUS, STRIDED, REVERSED, FLOAT32, MISALIGNED, LAYOUTS } layout;
static const char *const layout_names[] = {"contiguous", "stride 3", "reversed", "float32",
                                           "misaligned"};

typedef struct {
    double *a, *b;                  /* MAX_N * STRIDE each */
    float *fa, *fb;                 /* MAX_N each */
    char *ma, *mb;                  /* MAX_N doubles, one byte past alignment */
} inputs;

static vd_vector
view(const inputs *in, int which, layout how, size_t n)
{
    const double *d = which ? in->b : in->a;
    switch (how) {
    case STRIDED:
        return (vd_vector){(const char *)d, STRIDE * sizeof(double), VD_F64};
    case REVERSED:
        return (vd_vector){(const char *)(d + (n > 0 ? n - 1 : 0)), -(ptrdiff_t)sizeof(double),
                           VD_F64};
    case FLOAT32:
        return (vd_vector){(const char *)(which ? in->fb : in->fa), sizeof(float), VD_F32};
    case MISALIGNED:
        return (vd_vector){(which ? in->mb : in->ma) + 1, sizeof(double), VD_F64};
    default:
        return f64(d);
    }
}

/* The lengths: every one up to 300 (each lane and block tail), then around
 * the block, chunk and thread sizes, then 10^5. */
static size_t lengths[700];

static size_t
make_lengths(void)
{
    size_t count = 0;
    for (size_t n = 0; n <= 300; n++) {
        lengths[count++] = n;
    }
    for (size_t n = 301; n <= 4000; n += 37) {
        lengths[count++] = n;
    }
    size_t around[] = {511, 512, 513, 1023, 1024, 1025, VD_CHUNK - 1, VD_CHUNK, VD_CHUNK + 1,
                       2 * VD_CHUNK + 15, 3 * VD_CHUNK + 17, MAX_N};
    for (size_t k = 0; k < sizeof around / sizeof *around; k++) {
        lengths[count++] = around[k];
    }
    return count;
}

/* One result per (length, layout, call), in a fixed order. */
enum { CALLS = 4 };     /* vd_dot and vd_dot_exact, each on 1 thread and on 3 */

static double
call(const inputs *in, size_t n, layout how, int which)
{
    vd_vector a = view(in, 0, how, n), b = view(in, 1, how, n);
    switch (which) {
    case 0:
        return vd_dot(a, b, n, 1);
    case 1:
        return vd_dot(a, b, n, 3);
    case 2:
        return vd_dot_exact(a, b, n, 1);
    default:
        return vd_dot_exact(a, b, n, 3);
    }
}

static void
run_all(const inputs *in, size_t nlengths, double *out)
{
    size_t r = 0;
    for (size_t i = 0; i < nlengths; i++) {
        for (int how = 0; how < LAYOUTS; how++) {
            for (int which = 0; which < CALLS; which++) {
                out[r++] = call(in, lengths[i], (layout)how, which);
            }
        }
    }
}

/* Each path's results against the baseline's, one check per path, with
 * the first difference printed. */
static void
test_every_path_gives_the_same_bits(const inputs *in)
{
    static const char *const call_names[] = {"vd_dot, 1 thread", "vd_dot, 3 threads",
                                             "vd_dot_exact, 1 thread", "vd_dot_exact, 3 threads"};
    size_t nlengths = make_lengths();
    size_t total = nlengths * LAYOUTS * CALLS;
    double *want = malloc(total * sizeof *want), *got = malloc(total * sizeof *got);
    CHECK(want != NULL && got != NULL);
    if (want == NULL || got == NULL) {
        free(want);
        free(got);
        return;
    }
    vd_cpu_level found = vd_cpu();
    CHECK(vd_cpu_force(VD_CPU_BASELINE) == 0);
    run_all(in, nlengths, want);
    for (vd_cpu_level level = VD_CPU_AVX2; level <= VD_CPU_AVX512; level++) {
        if (vd_cpu_force(level) != 0) {
            printf("test_dispatch: the %s path skipped: this CPU or build lacks it\n",
                   level_names[level]);
            continue;
        }
        CHECK(vd_cpu() == level);
        run_all(in, nlengths, got);
        size_t differ = 0, first = 0;
        for (size_t r = 0; r < total; r++) {
            if (!same(got[r], want[r]) && differ++ == 0) {
                first = r;
            }
        }
        checks++;
        if (differ > 0) {
            failures++;
            size_t i = first / (LAYOUTS * CALLS), how = first / CALLS % LAYOUTS;
            printf("FAIL %s path: %zu of %zu results differ from the baseline's; first: n=%zu, "
                   "%s, %s: %a, want %a\n",
                   level_names[level], differ, total, lengths[i], layout_names[how],
                   call_names[first % CALLS], got[first], want[first]);
        }
        else {
            printf("test_dispatch: the %s path: %zu results, the baseline's bits\n",
                   level_names[level], total);
        }
    }
    CHECK(vd_cpu_force(found) == 0);
    free(want);
    free(got);
}

int
main(void)
{
    inputs in = {
        malloc(MAX_N * STRIDE * sizeof(double)), malloc(MAX_N * STRIDE * sizeof(double)),
        malloc(MAX_N * sizeof(float)),           malloc(MAX_N * sizeof(float)),
        malloc(MAX_N * sizeof(double) + 1),      malloc(MAX_N * sizeof(double) + 1),
    };
    if (!in.a || !in.b || !in.fa || !in.fb || !in.ma || !in.mb) {
        printf("test_dispatch: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < MAX_N * STRIDE; i++) {
        in.a[i] = random_double();
        in.b[i] = random_double();
    }
    for (size_t i = 0; i < MAX_N; i++) {
        in.fa[i] = (float)in.a[i * STRIDE];
        in.fb[i] = (float)in.b[i * STRIDE];
    }
    memcpy(in.ma + 1, in.a, MAX_N * sizeof(double));
    memcpy(in.mb + 1, in.b, MAX_N * sizeof(double));

    test_first_calls_at_once(in.a, in.b);
    test_detected_level_is_the_cpus();
    test_every_path_gives_the_same_bits(&in);

    free(in.a), free(in.b), free(in.fa), free(in.fb), free(in.ma), free(in.mb);
    return report("test_dispatch");
}
