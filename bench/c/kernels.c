/* kernels.c: vecdot's fast kernel (lib/c/dot.c, unchanged) behind a plain C
 * interface for ctypes, so the benchmark can call the very same loop without
 * the extension's argument handling.
 *
 *   bench_dot        vd_dot with the library's own thread policy.
 *   bench_dot_split  vd_dot_threads: up to `threads` threads whatever n is
 *                    (one per VD_CHUNK at most), so the harness can find the
 *                    n where a second thread starts to pay (vd_dot refuses
 *                    threads below VD_MIN_PER_THREAD per thread, the constant
 *                    being measured).
 */
#include <stddef.h>

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

/* Two threads from two chunks on, through the same pool as vd_dot. */
double
bench_dot_split(const double *a, const double *b, size_t n, int threads)
{
    return vd_dot_threads(contiguous(a), contiguous(b), n, threads);
}
