/* dot.h: the arithmetic behind vecdot.dot(), in plain C11 with no Python.
 *
 * A vector is a read-only strided view of float64 or float32 values, so the
 * binding can hand over numpy arrays, array.array and memoryviews in place.
 *
 *   vd_dot        fast: 16 independent accumulators over chunks of VD_CHUNK
 *                 elements, chunk sums added in order, chunks shared among
 *                 threads; within gamma(ceil(min(n, VD_CHUNK)/16) + 4 +
 *                 ceil(n/VD_CHUNK)) * sum|a_i*b_i| of the exact result, and
 *                 the same bits whatever the thread count (README "Accuracy").
 *   vd_dot_exact  the exact dot product of the inputs, rounded once to the
 *                 nearest float64 (ties to even), for any condition number;
 *                 chunks shared among threads as in vd_dot, so also the same
 *                 bits whatever the thread count.
 *
 * Neither function can fail. Each allocates only to share a long vector
 * among threads (vd_dot a double per chunk, vd_dot_exact three doubles per
 * chunk, or a kilobyte per task when it falls back to its exact sum; and the
 * pool's bookkeeping, pool.h), and when that memory cannot be had it sums on
 * the calling thread alone, to the same bits. Both are safe to call without
 * the GIL and from several threads at once.
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

/* Independent accumulators per chunk: element i goes to lane i % VD_LANES
 * of its chunk, and the lanes are folded pairwise at the chunk's end. */
#define VD_LANES 16

/* The unit of work, and of the summation order, for long vectors: small
 * enough that vectors of 2^15 elements can be shared by two threads, large
 * enough that folding the lanes of each chunk costs nothing measurable. */
#define VD_CHUNK ((size_t)1 << 13)

/* A second thread pays once the two vectors outgrow the caller's L2 cache:
 * below that one core reads them at L2 speed, and waking a helper and
 * handing it half the data costs about what the second core saves. So a
 * thread gets at least (L2 bytes) / VD_L2_SHARE elements, never less than a
 * chunk: at 16 bytes a pair, two threads start where the vectors fill the
 * caller's L2. vd_min_per_thread reads the L2 size once, at the first
 * call that could use threads; where the system does not say, it assumes
 * VD_L2_FALLBACK. On the 2-vCPU machine (512 KiB of L2 per core: 16,384 per
 * thread) two threads broke even at 16,384 elements and paid from 32,768 on
 * (bench/tuning.py's thread table, docs/benchmarks.md, Tuning). */
#define VD_L2_SHARE 32
#define VD_L2_FALLBACK ((size_t)512 << 10)

/* More threads than this never helps a memory-bound loop. */
#define VD_MAX_THREADS 64

/* The threads worth using for n elements, of the `threads` allowed: fewer
 * when some would get under VD_MIN_PER_THREAD elements. vd_dot and
 * vd_dot_exact both follow it, so both modes thread from the same sizes. */
int vd_threads_for(size_t n, int threads);

double vd_dot(vd_vector a, vd_vector b, size_t n, int threads);
/* The fewest elements vd_dot gives a thread: L2 size / VD_L2_SHARE, at
 * least VD_CHUNK (see above). The same value for the life of the process;
 * VD_MIN_PER_THREAD names it for the tests and the module's constant. */
size_t vd_min_per_thread(void);
#define VD_MIN_PER_THREAD vd_min_per_thread()
/* vd_dot without the vd_min_per_thread policy: up to `threads` threads
 * whatever n, one per chunk at most. For measuring that policy (bench/). */
double vd_dot_threads(vd_vector a, vd_vector b, size_t n, int threads);
double vd_dot_exact(vd_vector a, vd_vector b, size_t n, int threads);

#endif
