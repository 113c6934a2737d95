/* doubles.c: the growable array of doubles behind doubles.h. */
#include "doubles.h"

#include <stdint.h>
#include <string.h>

void
vd_doubles_init(vd_doubles *d, void *(*realloc_fn)(void *, size_t), void (*free_fn)(void *))
{
    d->data = d->inline_values;
    d->capacity = VD_DOUBLES_INLINE;
    d->realloc_fn = realloc_fn;
    d->free_fn = free_fn;
}

int
vd_doubles_reserve(vd_doubles *d, size_t n)
{
    if (n <= d->capacity) {
        return 0;
    }
    if (n > PTRDIFF_MAX / sizeof(double)) {
        return -1;
    }
    int inline_now = d->data == d->inline_values;
    double *p = d->realloc_fn(inline_now ? NULL : d->data, n * sizeof(double));
    if (p == NULL) {
        return -1;
    }
    if (inline_now) {
        memcpy(p, d->inline_values, sizeof d->inline_values);
    }
    d->data = p;
    d->capacity = n;
    return 0;
}

void
vd_doubles_free(vd_doubles *d)
{
    if (d->data != d->inline_values) {
        d->free_fn(d->data);
    }
    d->data = d->inline_values;
    d->capacity = VD_DOUBLES_INLINE;
}
