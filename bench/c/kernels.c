/* kernels.c: vecdot's fast kernel (lib/c/dot.c, unchanged) behind a plain C
 * interface for ctypes, so the benchmark can call the very same loop without
 * the extension's argument handling.
 *
 *   bench_dot        vd_dot with the library's own thread policy.
 *   bench_dot_split  the same kernel on `threads` equal chunks whatever n is,
 *                    so the harness can find the n where a second thread starts
 *                    to pay (vd_dot refuses threads below VD_MIN_PER_THREAD
 *                    per thread, the constant being measured).
 */
#include <stddef.h>
#include <threads.h>

#include "block.h"
#include "dot.h"

static vd_vector
contiguous(const double *p)
{
    return (vd_vector){(const char *)p, (ptrdiff_t)sizeof(double), VD_F64};
}

double
bench_dot(const double *a, const double *b, size_t n, int threads)
{
    return vd_dot(contiguous(a), contiguous(b), n, threads);
}

typedef struct {
    const double *a, *b;
    size_t n;
    double result;
} chunk;

static int
run_chunk(void *arg)
{
    chunk *c = arg;
    c->result = vd_dot(contiguous(c->a), contiguous(c->b), c->n, 1);
    return 0;
}

/* Chunks are whole VD_BLOCKs, as vd_dot splits them. */
double
bench_dot_split(const double *a, const double *b, size_t n, int threads)
{
    enum { MAX = 16 };
    if (threads < 1) {
        threads = 1;
    }
    if (threads > MAX) {
        threads = MAX;
    }
    if (n == 0) {
        return 0.0;
    }
    size_t per = (n + (size_t)threads - 1) / (size_t)threads;
    per = (per + VD_BLOCK - 1) / VD_BLOCK * VD_BLOCK;
    chunk chunks[MAX];
    thrd_t ids[MAX];
    int count = 0;
    for (size_t lo = 0; lo < n; lo += per) {
        chunks[count++] = (chunk){a + lo, b + lo, n - lo < per ? n - lo : per, 0.0};
    }
    int started[MAX] = {0};
    for (int k = 1; k < count; k++) {
        started[k] = thrd_create(&ids[k], run_chunk, &chunks[k]) == thrd_success;
    }
    run_chunk(&chunks[0]);
    double sum = chunks[0].result;
    for (int k = 1; k < count; k++) {
        if (started[k]) {
            thrd_join(ids[k], NULL);
        }
        else {
            run_chunk(&chunks[k]);  /* no thread to be had: same result, slower */
        }
        sum += chunks[k].result;
    }
    return sum;
}
