/* py_vectors.h: dot()'s arguments as vd_vector views (binding side).
 *
 * A float64 or float32 buffer is viewed in place; anything else (integer
 * buffers, lists, tuples, iterables) is converted once into a temporary C
 * array of doubles. Either way the kernel then sees a plain vd_vector and
 * can run without the GIL.
 */
#ifndef VECDOT_VECTORS_H
#define VECDOT_VECTORS_H

#include "py_module.h"

#include "dot.h"
#include "doubles.h"

/* Lives where vector_arg_init put it (values points into itself). */
typedef struct {
    vd_vector vec;
    Py_ssize_t len;
    Py_buffer view;       /* held while has_view: the exporter stays locked */
    int has_view;
    vd_doubles values;    /* converted values: short vectors need no allocation */
} vector_arg;

/* Fill *arg from obj; name ("a" or "b") goes into error messages. Returns 0,
 * or -1 with an exception set and nothing left to release. */
int vector_arg_init(vector_arg *arg, PyObject *obj, const char *name);

/* Release what vector_arg_init acquired. */
void vector_arg_release(vector_arg *arg);

#endif
