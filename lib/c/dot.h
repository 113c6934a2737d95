/* dot.h: the arithmetic behind vecdot.dot(), in plain C11 with no Python.
 *
 * A vector is a read-only strided view of float64 or float32 values, so the
 * binding can hand over numpy arrays, array.array and memoryviews in place.
 *
 *   vd_dot        fast: 16 independent accumulators per thread, optionally
 *                 several threads; within gamma(ceil(n/16) + 4 + threads) *
 *                 sum|a_i*b_i| of the exact result (see README "Accuracy").
 *   vd_dot_exact  the exact dot product of the inputs, rounded once to the
 *                 nearest float64 (ties to even), for any condition number.
 *
 * Neither function allocates, so neither can fail; both are safe to call
 * without the GIL and from several threads at once.
 */
#ifndef VECDOT_DOT_H
#define VECDOT_DOT_H

#include <stddef.h>

typedef enum {
    VD_F64,             /* C double */
    VD_F32,             /* C float, widened exactly to double on read */
} vd_type;

typedef struct {
    const char *data;   /* first element */
    ptrdiff_t stride;   /* bytes from one element to the next; may be negative */
    vd_type type;
} vd_vector;

/* Below this many elements per thread, starting a thread costs more than it
 * saves (measured with bench/, see docs/benchmarks.md). */
#define VD_MIN_PER_THREAD ((size_t)1 << 17)

/* More threads than this never helps a memory-bound loop. */
#define VD_MAX_THREADS 64

double vd_dot(vd_vector a, vd_vector b, size_t n, int threads);
double vd_dot_exact(vd_vector a, vd_vector b, size_t n);

#endif
