/* stream.c: the memory-read ceiling the benchmark compares dot products with.
 *
 * A dot product of n float64 pairs must read 16n bytes; nothing can do it
 * faster than a plain read of the same two vectors. This is that read, as
 * fast as this harness can make it, since a ceiling that a contender beats
 * measures nothing (issue 13: the earlier 64-lane loop, 16 AVX2 registers of
 * sums over one stream, read 19 GB/s where dot products read 23 to 30):
 *
 *   - each thread reads its part of both vectors as STREAMS independent
 *     streams (each vector's part cut in STREAMS / 2), so that more cache
 *     lines are in flight than one or two streams' prefetchers keep going;
 *   - a whole cache line per stream per step, into accumulators of its own
 *     (2 * STREAMS registers of sums, no chain longer than one add per step);
 *   - AVX2 where the build has it (bench/build.py passes -march=native: it is
 *     this machine's ceiling, not a portable build), plain C elsewhere;
 *   - one thread or several (POSIX threads), each on its own contiguous
 *     slice, as OpenBLAS splits a vector; timed in C, so no Python call
 *     overhead enters small sizes.
 */
#define _POSIX_C_SOURCE 200809L  /* clock_gettime */

#include <pthread.h>
#include <stddef.h>
#include <time.h>
#ifdef __AVX2__
#  include <immintrin.h>
#endif

#define STREAMS 4               /* per thread: two per vector, the best of 2, 4 and 6 */
#define LINE 8                  /* doubles per 64-byte cache line */
#define MAX_THREADS 16

/* The sum of a[0, n) and b[0, n), read as four streams (each vector's two
 * halves) of whole cache lines at once, each line into sums of its own. */
static double
read_pair(const double *a, const double *b, size_t n)
{
    size_t half = n / (2 * LINE) * LINE;
    const double *in[STREAMS] = {a, a + half, b, b + half};
    double sum = 0.0;
#ifdef __AVX2__
    __m256d s[2 * STREAMS];
    for (int k = 0; k < 2 * STREAMS; k++) {
        s[k] = _mm256_setzero_pd();
    }
    for (size_t i = 0; i < half; i += LINE) {
        for (int k = 0; k < STREAMS; k++) {     /* unrolled by the compiler */
            s[2 * k] = _mm256_add_pd(s[2 * k], _mm256_loadu_pd(in[k] + i));
            s[2 * k + 1] = _mm256_add_pd(s[2 * k + 1], _mm256_loadu_pd(in[k] + i + 4));
        }
    }
    for (int k = 1; k < 2 * STREAMS; k++) {
        s[0] = _mm256_add_pd(s[0], s[k]);
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, s[0]);
    sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
#else
    double s[STREAMS][LINE] = {{0}};
    for (size_t i = 0; i < half; i += LINE) {
        for (int k = 0; k < STREAMS; k++) {
            for (int j = 0; j < LINE; j++) {
                s[k][j] += in[k][i + j];
            }
        }
    }
    for (int k = 0; k < STREAMS; k++) {
        for (int j = 0; j < LINE; j++) {
            sum += s[k][j];
        }
    }
#endif
    for (size_t i = 2 * half; i < n; i++) {
        sum += a[i] + b[i];     /* the ragged end: under two lines each */
    }
    return sum;
}

typedef struct {
    const double *a, *b;
    size_t n;
    int reps;
    double sum;  /* returned, so the compiler cannot drop the reads */
} slice;

static void *
read_slice(void *arg)
{
    slice *s = arg;
    for (int r = 0; r < s->reps; r++) {
        s->sum += read_pair(s->a, s->b, s->n);
    }
    return NULL;
}

static long long
now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Wall-clock nanoseconds for `reps` reads of a[0, n) and b[0, n) on
 * `threads` threads, each reading a contiguous slice of both, or -1 when a
 * thread could not be started. *sink receives the sum. */
long long
stream_read_ns(const double *a, const double *b, size_t n, int threads, int reps, double *sink)
{
    if (threads < 1 || threads > MAX_THREADS || reps < 1) {
        return -1;
    }
    slice slices[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    size_t per = (n + (size_t)threads - 1) / (size_t)threads;
    per = (per + LINE - 1) / LINE * LINE;  /* slices start on whole lines */
    for (int k = 0; k < threads; k++) {
        size_t lo = (size_t)k * per < n ? (size_t)k * per : n;
        size_t hi = lo + per < n ? lo + per : n;
        slices[k] = (slice){a + lo, b + lo, hi - lo, reps, 0.0};
    }
    long long start = now_ns();
    int failed = 0, started = 1;
    for (; started < threads; started++) {
        if (pthread_create(&ids[started], NULL, read_slice, &slices[started]) != 0) {
            failed = 1;
            break;
        }
    }
    read_slice(&slices[0]);
    for (int k = 1; k < started; k++) {
        pthread_join(ids[k], NULL);
    }
    long long elapsed = now_ns() - start;
    double sum = 0.0;
    for (int k = 0; k < threads; k++) {
        sum += slices[k].sum;
    }
    *sink = sum;
    return failed ? -1 : elapsed;
}
