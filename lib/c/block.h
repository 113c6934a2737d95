/* block.h: shared by dot.c and exact.c (internal, not part of the API).
 *
 * The kernels work on contiguous runs of doubles. A contiguous, aligned
 * float64 vector is read in place; anything else (strided, float32,
 * misaligned) is copied a block at a time into a small buffer on the stack,
 * so no input is ever copied whole and no allocation can fail.
 */
#ifndef VECDOT_BLOCK_H
#define VECDOT_BLOCK_H

#include <stdint.h>
#include <string.h>

#include "dot.h"

/* Elements per copied block: 2 x 4 KiB of stack, a multiple of every lane
 * count used by the kernels. */
#define VD_BLOCK 512

/* The length of the block that starts at i, of a range that ends at end. */
static inline size_t
vd_block_len(size_t i, size_t end)
{
    return end - i < VD_BLOCK ? end - i : VD_BLOCK;
}

/* True when the elements can be read as a plain `const double *`. An
 * unaligned pointer (a memoryview of bytes at an odd offset, say) must not
 * be dereferenced as double in C, so it takes the copying path. */
static inline int
vd_in_place(vd_vector v)
{
    return v.type == VD_F64 && v.stride == (ptrdiff_t)sizeof(double)
           && (uintptr_t)v.data % _Alignof(double) == 0;
}

/* Elements [start, start + len) of v as contiguous doubles: a pointer into v
 * itself when possible, else into buf (which must hold len doubles). memcpy
 * keeps every access legal whatever the alignment and the stride. */
static inline const double *
vd_block(vd_vector v, size_t start, size_t len, double *buf)
{
    const char *p = v.data + (ptrdiff_t)start * v.stride;
    if (vd_in_place(v)) {
        return (const double *)(const void *)p;
    }
    if (v.type == VD_F64) {
        for (size_t i = 0; i < len; i++, p += v.stride) {
            memcpy(&buf[i], p, sizeof(double));
        }
    }
    else {
        for (size_t i = 0; i < len; i++, p += v.stride) {
            float f;
            memcpy(&f, p, sizeof(float));
            buf[i] = (double)f;
        }
    }
    return buf;
}

#endif
