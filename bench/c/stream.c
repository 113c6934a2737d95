/* stream.c: the memory-read ceiling the benchmark compares dot products with.
 *
 * A dot product of n float64 pairs must read 16n bytes; nothing can do it
 * faster than a plain read of 16n bytes. This is that read: a sum with 64
 * independent lanes (eight AVX-512 registers), built by the harness with
 * -march=native for this very machine, so it is the best the hardware gives
 * and owes nothing to portability. It runs on one thread or on several,
 * each reading its own slice, and times itself in C so that no Python call
 * overhead enters small sizes.
 */
#define _POSIX_C_SOURCE 199309L  /* clock_gettime */

#include <stddef.h>
#include <threads.h>
#include <time.h>

#define LANES 64
#define MAX_THREADS 16

static double
read_once(const double *restrict p, size_t n)
{
    double s[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        for (size_t k = 0; k < LANES; k++) {
            s[k] += p[i + k];
        }
    }
    for (size_t k = 0; i < n; i++, k++) {
        s[k] += p[i];
    }
    double total = 0.0;
    for (size_t k = 0; k < LANES; k++) {
        total += s[k];
    }
    return total;
}

typedef struct {
    const double *p;
    size_t n;
    int reps;
    double sum;  /* returned, so the compiler cannot drop the reads */
} slice;

static int
read_slice(void *arg)
{
    slice *s = arg;
    for (int r = 0; r < s->reps; r++) {
        s->sum += read_once(s->p, s->n);
    }
    return 0;
}

static long long
now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Wall-clock nanoseconds for `reps` reads of p[0, n) on `threads` threads,
 * or -1 when a thread could not be started. *sink receives the sum. */
long long
stream_read_ns(const double *p, size_t n, int threads, int reps, double *sink)
{
    if (threads < 1 || threads > MAX_THREADS || reps < 1) {
        return -1;
    }
    slice slices[MAX_THREADS];
    thrd_t ids[MAX_THREADS];
    size_t per = (n + (size_t)threads - 1) / (size_t)threads;
    per = (per + LANES - 1) / LANES * LANES;  /* slices start on 512-byte boundaries */
    for (int k = 0; k < threads; k++) {
        size_t lo = (size_t)k * per < n ? (size_t)k * per : n;
        size_t hi = lo + per < n ? lo + per : n;
        slices[k] = (slice){p + lo, hi - lo, reps, 0.0};
    }
    long long start = now_ns();
    int failed = 0, started = 1;
    for (; started < threads; started++) {
        if (thrd_create(&ids[started], read_slice, &slices[started]) != thrd_success) {
            failed = 1;
            break;
        }
    }
    read_slice(&slices[0]);
    for (int k = 1; k < started; k++) {
        thrd_join(ids[k], NULL);
    }
    long long elapsed = now_ns() - start;
    double sum = 0.0;
    for (int k = 0; k < threads; k++) {
        sum += slices[k].sum;
    }
    *sink = sum;
    return failed ? -1 : elapsed;
}
