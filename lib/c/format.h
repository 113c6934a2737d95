/* format.h: which buffer formats dot() reads, and each element as a double.
 *
 * The buffer protocol describes an item with a struct-module format string
 * ("d", "<f", "=q", "?") and an item size. vd_format_classify says whether
 * dot() can read such items and how; vd_format_read turns them into
 * doubles. Plain C with no Python.h, so tests/c tests it; the binding
 * (py_vectors.c) only hands over what the buffer protocol gave it.
 */
#ifndef VECDOT_FORMAT_H
#define VECDOT_FORMAT_H

#include <stddef.h>

typedef enum {
    VD_FORMAT_UNSUPPORTED,  /* anything else: float16, long double, complex, structs, 'c' */
    VD_FORMAT_FLOAT,        /* 'd' of 8 bytes, 'f' of 4 */
    VD_FORMAT_SIGNED,       /* b h i l q n */
    VD_FORMAT_UNSIGNED,     /* B H I L Q N */
    VD_FORMAT_BOOL,         /* ? */
} vd_format_kind;

typedef struct {
    vd_format_kind kind;
    size_t size;            /* bytes per item: 1, 2, 4 or 8 when supported */
    int swap;               /* stored in the other byte order than this host's */
} vd_format;

/* One item of `format` (NULL means "B", as the buffer protocol says) that is
 * `itemsize` bytes long. Byte order prefixes '@', '=', '<', '>' and '!' are
 * understood; anything but one code after them is unsupported, and so is an
 * item size other than 1, 2, 4 or 8 (so vd_format_read never reads more
 * than 8 bytes of an item). */
vd_format vd_format_classify(const char *format, size_t itemsize);

/* True when the items can be viewed in place as a vd_vector (dot.h): float64
 * or float32 in this host's byte order. */
int vd_format_in_place(vd_format f);

/* The item at p as a double: floats widened exactly, integers rounded to
 * nearest (ties to even) as float(int) does, bools as 0.0 or 1.0. */
double vd_format_element(const char *p, vd_format f);

/* n items, `stride` bytes apart (negative strides included), into out[]. */
void vd_format_read(const char *p, ptrdiff_t stride, size_t n, vd_format f, double *out);

#endif
