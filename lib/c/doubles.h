/* doubles.h: a growable array of doubles with room for a few inside, plain C.
 *
 * The binding converts dot()'s non-float arguments (py_vectors.c) and
 * parse()'s fields (py_parse.c) into one of these. Short arrays, the common
 * case for small calls, live in the struct itself and need no allocation;
 * longer ones get a block from the allocator the caller names (the binding
 * passes PyMem_Realloc and PyMem_Free, so tracemalloc and Python's debug
 * hooks see the memory; tests/c passes realloc and free).
 *
 * The struct points into itself: keep it where vd_doubles_init put it.
 */
#ifndef VECDOT_DOUBLES_H
#define VECDOT_DOUBLES_H

#include <stddef.h>

#define VD_DOUBLES_INLINE 16

typedef struct {
    double *data;                       /* inline[] or an allocated block */
    size_t capacity;                    /* doubles that data can hold */
    void *(*realloc_fn)(void *, size_t);
    void (*free_fn)(void *);
    double inline_values[VD_DOUBLES_INLINE];
} vd_doubles;

void vd_doubles_init(vd_doubles *d, void *(*realloc_fn)(void *, size_t),
                     void (*free_fn)(void *));

/* Make room for at least n doubles, keeping the values already there (the
 * capacity never shrinks). Returns 0, or -1 with d unchanged when n doubles
 * do not fit in PTRDIFF_MAX bytes or the allocator fails. */
int vd_doubles_reserve(vd_doubles *d, size_t n);

/* Give back the block, if any; d is then empty again, as after init. */
void vd_doubles_free(vd_doubles *d);

#endif
