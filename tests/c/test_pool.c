/* test_pool.c: the thread pool (pool.h) and the threaded dot kernel, from C.
 *
 * Several callers at once, helpers starved of CPU, a fork after the pool
 * started, and allocations that fail: each must still give exactly the
 * single-threaded answer. `make test-c` builds this with
 * -Wl,--wrap=malloc,--wrap=calloc (WRAP_pool in the Makefile), so every
 * malloc and calloc of this program and of the kernels passes through the
 * wrappers below, which fail on demand.
 */
#define _POSIX_C_SOURCE 200809L     /* fork(), waitpid(), sched_yield() */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dot.h"
#include "pool.h"
#include "thread.h"

#ifdef VD_THREADS_POSIX
#  include <sched.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif
/* Windows has no fork (the Makefile also sets SKIP_FORK_TEST for qemu-user,
 * test_fork_after_threads says why). */
#if defined(VD_THREADS_WIN32) && !defined(SKIP_FORK_TEST)
#  define SKIP_FORK_TEST 1
#endif

/* ---- allocations that fail on demand ------------------------------------ */

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);

static atomic_int fail_allocations;

void *
__wrap_malloc(size_t size)
{
    return fail_allocations ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t count, size_t size)
{
    return fail_allocations ? NULL : __real_calloc(count, size);
}

static vd_vector
f64(const double *x)
{
    return (vd_vector){(const char *)x, sizeof(double), VD_F64};
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

/* ---- vd_pool_run ---------------------------------------------------------- */

enum { MAX_TASKS = 200 };

static void
count_task(void *arg, size_t k)
{
    atomic_int *runs = arg;
    runs[k]++;
}

/* Every task runs exactly once, whatever the helper count (more helpers
 * than tasks, or than the pool has, included), and when the bookkeeping
 * cannot be allocated the caller runs them all. */
static void
test_every_task_runs_once(void)
{
    size_t helper_counts[] = {0, 1, 2, 3, 7, 100, SIZE_MAX};
    for (int no_memory = 0; no_memory <= 1; no_memory++) {
        for (size_t h = 0; h < sizeof helper_counts / sizeof *helper_counts; h++) {
            for (size_t ntasks = 0; ntasks <= MAX_TASKS; ntasks += ntasks < 10 ? 1 : 63) {
                atomic_int runs[MAX_TASKS] = {0};
                fail_allocations = no_memory;
                vd_pool_run(ntasks, helper_counts[h], count_task, runs);
                fail_allocations = 0;
                int once = 1;
                for (size_t k = 0; k < MAX_TASKS; k++) {
                    once &= runs[k] == (k < ntasks);
                }
                CHECK(once);
            }
        }
    }
}

/* vd_dot cannot fail: without memory to share the work it sums alone, to
 * the same bits. */
static void
test_dot_without_memory(void)
{
    size_t n = 4 * VD_MIN_PER_THREAD + 5;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++) {
        a[i] = (double)(i % 9) - 4;
        b[i] = (double)(i % 7);
    }
    fail_allocations = 1;
    double got = vd_dot(f64(a), f64(b), n, 4);
    fail_allocations = 0;
    CHECK_EQ(got, integer_dot(a, b, n));
    free(a);
    free(b);
}

#ifdef VD_HAVE_THREADS
/* Several callers share the pool at once: each call's chunks are its own,
 * whoever helps, and a caller never waits for another's job. */
enum { CALLERS = 4, CALLS = 25 };

typedef struct {
    const double *a, *b;
    size_t n;
    double got[CALLS];
} caller_args;

static VD_THREAD_RETURN
caller(void *p)
{
    caller_args *c = p;
    for (int i = 0; i < CALLS; i++) {
        c->got[i] = vd_dot(f64(c->a), f64(c->b), c->n - (size_t)i * 1000, 2 + i % 3);
    }
    return 0;
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
    vd_thread ids[CALLERS];
    for (int t = 0; t < CALLERS; t++) {
        args[t] = (caller_args){a + t, b, n - (size_t)t, {0}};
        checks++;
        if (vd_thread_create(&ids[t], caller, &args[t]) != 0) {
            failures++;
            printf("FAIL vd_thread_create\n");
            args[t].n = 0;
        }
    }
    for (int t = 0; t < CALLERS; t++) {
        if (args[t].n == 0) {
            continue;
        }
        vd_thread_join(ids[t]);
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

static VD_THREAD_RETURN
hog(void *unused)
{
    (void)unused;
    while (atomic_load(&hogs_run)) {
#ifdef VD_THREADS_WIN32
        SwitchToThread();
#else
        sched_yield();
#endif
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
    vd_thread ids[HOGS];
    int started = 0;
    atomic_store(&hogs_run, 1);
    for (; started < HOGS; started++) {
        if (vd_thread_create(&ids[started], hog, NULL) != 0) {
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
        vd_thread_join(ids[t]);
    }
    free(a);
    free(b);
}

#ifndef SKIP_FORK_TEST
/* Small integers, so every sum is exact: a[i] = i % ma, b[i] = i % mb - 1. */
static void
fill(double *a, double *b, size_t n, size_t ma, size_t mb)
{
    for (size_t i = 0; i < n; i++) {
        a[i] = (double)(i % ma);
        b[i] = (double)(i % mb) - 1;
    }
}

/* One check: the forked child `pid` exited with status 0. */
static void
check_child_passed(pid_t pid, const char *what)
{
    int status = -1;
    checks++;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0) {
        failures++;
        printf("FAIL %s: status %d\n", what, status);
    }
}

/* A child forked after the pool started has none of the parent's helpers:
 * its threaded calls must start their own, not wait for ghosts. (Built with
 * SKIP_FORK_TEST under qemu-user 7.2, where a child forked while any thread
 * is alive cannot start a thread at all: qemu asserts, with or without
 * vecdot.) */
static void
test_fork_after_threads(void)
{
    size_t n = 4 * VD_MIN_PER_THREAD;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    fill(a, b, n, 9, 4);
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
    check_child_passed(pid, "threaded dot in a forked child");
    CHECK_EQ(vd_dot(f64(a), f64(b), n, 4), want);       /* and in the parent */
    free(a);
    free(b);
}

/* A child that cannot allocate its new pool has none: its calls run alone,
 * and a fork from it must not touch the missing pool (it did: the atfork
 * handlers locked pool->lock with pool NULL, and the grandchild crashed). */
static void
test_fork_from_a_child_without_a_pool(void)
{
    size_t n = 4 * VD_MIN_PER_THREAD;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    fill(a, b, n, 5, 3);
    double want = integer_dot(a, b, n);
    CHECK_EQ(vd_dot(f64(a), f64(b), n, 4), want);       /* the pool is up */
    fflush(stdout);
    fail_allocations = 1;               /* the child's new pool cannot be had */
    pid_t pid = fork();
    fail_allocations = 0;
    if (pid == 0) {
        int ok = vd_dot(f64(a), f64(b), n, 4) == want;  /* no pool: alone */
        pid_t grandchild = fork();
        if (grandchild == 0) {
            _exit(vd_dot(f64(a), f64(b), n, 4) == want ? 0 : 1);
        }
        int status = -1;
        ok &= grandchild > 0 && waitpid(grandchild, &status, 0) == grandchild
              && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        _exit(ok ? 0 : 1);
    }
    check_child_passed(pid, "fork from a child without a pool");
    CHECK_EQ(vd_dot(f64(a), f64(b), n, 4), want);       /* the parent's pool */
    free(a);
    free(b);
}
#endif
#endif

int
main(void)
{
    test_every_task_runs_once();
    test_dot_without_memory();
#ifdef VD_HAVE_THREADS
    test_concurrent_callers();
    test_threads_on_busy_cores();
#  ifdef SKIP_FORK_TEST
    printf("test_pool: the fork tests skipped (no fork, or qemu-user)\n");
#  else
    test_fork_after_threads();
    test_fork_from_a_child_without_a_pool();
#  endif
#else
    printf("test_pool: no threads on this platform: the threaded tests skipped\n");
#endif
    return report("test_pool");
}
