/* py_vectors.c: dot()'s arguments as vd_vector views; see py_vectors.h.
 *
 * Accepted, in this order:
 *   1. a 1-D buffer: 'd'/'f' in native byte order read in place; the integer
 *      and bool formats, and byte-swapped 'd'/'f', converted element by
 *      element; any other format is a TypeError listing these.
 *   2. an exact list or tuple: items converted by index (checked first:
 *      the most common argument, and never a buffer).
 *   3. any other iterable: items converted as they come.
 * Items convert like PyFloat_AsDouble (float, int, bool, __float__,
 * __index__); anything without __float__ or __index__ is a TypeError naming
 * its position, and exceptions raised by the object itself pass unchanged.
 */
#include "py_vectors.h"

#include <string.h>

/* The limited API reaches list items and float values through function
 * calls; the full API has macros that read the structs directly. The
 * difference is the price of the abi3 wheel, measured in bench/. */
#ifdef Py_LIMITED_API
#  define ITEM(seq, is_list, i) ((is_list) ? PyList_GetItem(seq, i) : PyTuple_GetItem(seq, i))
#  define FLOAT_VALUE(op) PyFloat_AsDouble(op)
#else
#  define ITEM(seq, is_list, i) ((is_list) ? PyList_GET_ITEM(seq, i) : PyTuple_GET_ITEM(seq, i))
#  define FLOAT_VALUE(op) PyFloat_AS_DOUBLE(op)
#endif

/* ---- storage ---------------------------------------------------------- */

/* Make room for capacity converted values, keeping those already there. */
static int
own(vector_arg *arg, Py_ssize_t capacity)
{
    if (capacity <= (Py_ssize_t)(sizeof arg->small / sizeof arg->small[0])) {
        arg->owned = arg->small;
        return 0;
    }
    if ((size_t)capacity > PY_SSIZE_T_MAX / sizeof(double)) {
        PyErr_NoMemory();
        return -1;
    }
    double *old = arg->owned == arg->small ? NULL : arg->owned;
    double *p = PyMem_Realloc(old, (size_t)capacity * sizeof(double));
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (arg->owned == arg->small) {
        memcpy(p, arg->small, sizeof arg->small);
    }
    arg->owned = p;
    return 0;
}

/* ---- items ---------------------------------------------------------------- */

static int
item_error(PyObject *item, const char *name, Py_ssize_t i)
{
    PyObject *type_name = PyType_GetName(Py_TYPE(item));
    if (type_name != NULL) {
        PyErr_Format(PyExc_TypeError,
                     "dot() argument %s[%zd] must be a real number, not %U",
                     name, i, type_name);
        Py_DECREF(type_name);
    }
    return -1;
}

/* An int converts exactly when it can and is correctly rounded when it
 * cannot; past float64's range it is an OverflowError that says where. */
static int
int_to_double(PyObject *item, const char *name, Py_ssize_t i, double *out)
{
    double v = PyLong_AsDouble(item);
    if (v == -1.0 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_OverflowError,
                         "dot() argument %s[%zd] is an int too large to convert to float",
                         name, i);
        }
        return -1;
    }
    *out = v;
    return 0;
}

static int
item_to_double(PyObject *item, const char *name, Py_ssize_t i, double *out)
{
    if (PyFloat_CheckExact(item)) {
        *out = FLOAT_VALUE(item);         /* cannot fail */
        return 0;
    }
    if (PyLong_CheckExact(item)) {
        return int_to_double(item, name, i, out);
    }
    PyTypeObject *type = Py_TYPE(item);
    void *nb_float = PyType_GetSlot(type, Py_nb_float);
    if (PyLong_Check(item) && nb_float == PyType_GetSlot(&PyLong_Type, Py_nb_float)) {
        return int_to_double(item, name, i, out);   /* bool, IntEnum, ... */
    }
    if (nb_float == NULL && PyType_GetSlot(type, Py_nb_index) == NULL) {
        return item_error(item, name, i);
    }
    double v = PyFloat_AsDouble(item);
    if (v == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    *out = v;
    return 0;
}

/* ---- buffers ---------------------------------------------------------------- */

typedef enum { AS_FLOAT, AS_SIGNED, AS_UNSIGNED, AS_BOOL, UNSUPPORTED } kind;

static int
host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* Classify a struct-module format string of one item, e.g. "d", "<f", "=q". */
static kind
classify(const char *format, Py_ssize_t itemsize, int *swap)
{
    const char *f = format != NULL ? format : "B";   /* NULL means bytes */
    int little = host_is_little_endian();
    *swap = 0;
    if (*f == '@' || *f == '=') {
        f++;
    }
    else if (*f == '<' || *f == '>' || *f == '!') {
        *swap = (*f == '<') != little;
        f++;
    }
    if (f[0] == '\0' || f[1] != '\0') {
        return UNSUPPORTED;
    }
    switch (f[0]) {
    case 'd':
        return itemsize == 8 ? AS_FLOAT : UNSUPPORTED;
    case 'f':
        return itemsize == 4 ? AS_FLOAT : UNSUPPORTED;
    case 'b': case 'h': case 'i': case 'l': case 'q': case 'n':
        return AS_SIGNED;
    case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N':
        return AS_UNSIGNED;
    case '?':
        return AS_BOOL;
    default:
        return UNSUPPORTED;
    }
}

/* One element of a converted buffer as a double. C's integer-to-double
 * conversion rounds to nearest, ties to even: the same as float(int). */
static double
element(const char *p, Py_ssize_t size, kind k, int swap)
{
    unsigned char bytes[8];
    for (Py_ssize_t j = 0; j < size; j++) {
        bytes[j] = (unsigned char)p[swap ? size - 1 - j : j];
    }
    if (k == AS_FLOAT) {
        if (size == 8) {
            double d;
            memcpy(&d, bytes, 8);
            return d;
        }
        float f;
        memcpy(&f, bytes, 4);
        return (double)f;
    }
    uint64_t u = 0;
    for (Py_ssize_t j = 0; j < size; j++) {
        u |= (uint64_t)bytes[j] << (8 * (host_is_little_endian() ? j : size - 1 - j));
    }
    if (k == AS_BOOL) {
        return u != 0;
    }
    if (k == AS_SIGNED && size < 8 && (u >> (8 * size - 1)) & 1) {
        u |= ~(uint64_t)0 << (8 * size);          /* sign-extend */
    }
    return k == AS_SIGNED ? (double)(int64_t)u : (double)u;
}

static int
from_buffer(vector_arg *arg, PyObject *obj, const char *name)
{
    if (PyObject_GetBuffer(obj, &arg->view, PyBUF_RECORDS_RO) < 0) {
        return -1;
    }
    arg->has_view = 1;
    Py_buffer *v = &arg->view;
    if (v->ndim != 1) {
        PyErr_Format(PyExc_ValueError,
                     "dot() argument %s must be 1-dimensional, not %d-dimensional",
                     name, v->ndim);
        return -1;
    }
    int swap;
    kind k = classify(v->format, v->itemsize, &swap);
    int size_ok = v->itemsize == 1 || v->itemsize == 2 || v->itemsize == 4 || v->itemsize == 8;
    if (k == UNSUPPORTED || !size_ok) {
        PyErr_Format(PyExc_TypeError,
                     "dot() argument %s has unsupported buffer format '%s'; "
                     "supported: 'd' and 'f' (read in place), and the integer "
                     "formats 'bBhHiIlLqQnN' and '?' (converted)",
                     name, v->format != NULL ? v->format : "B");
        return -1;
    }
    arg->len = v->shape[0];
    Py_ssize_t stride = v->strides != NULL ? v->strides[0] : v->itemsize;
    if (k == AS_FLOAT && !swap) {
        arg->vec = (vd_vector){v->buf, stride, v->itemsize == 8 ? VD_F64 : VD_F32};
        return 0;
    }
    if (own(arg, arg->len) < 0) {
        return -1;
    }
    const char *p = v->buf;
    for (Py_ssize_t i = 0; i < arg->len; i++, p += stride) {
        arg->owned[i] = element(p, v->itemsize, k, swap);
    }
    return 0;
}

/* ---- lists, tuples, iterables -------------------------------------------- */

static int
from_list_or_tuple(vector_arg *arg, PyObject *obj, const char *name)
{
    int is_list = PyList_CheckExact(obj);
    arg->len = is_list ? PyList_Size(obj) : PyTuple_Size(obj);
    if (own(arg, arg->len) < 0) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < arg->len; i++) {
        PyObject *item = ITEM(obj, is_list, i);
        if (item == NULL) {
            return -1;
        }
        if (PyFloat_CheckExact(item)) {
            arg->owned[i] = FLOAT_VALUE(item);        /* runs no Python code */
            continue;
        }
        /* Converting anything else may run Python code (__float__) that
         * drops this very item from the list: hold it meanwhile ... */
        Py_INCREF(item);
        int rc = item_to_double(item, name, i, &arg->owned[i]);
        Py_DECREF(item);
        if (rc < 0) {
            return -1;
        }
        /* ... or resizes the list: then stop, never index past its end. */
        if (is_list && PyList_Size(obj) != arg->len) {
            PyErr_Format(PyExc_RuntimeError,
                         "dot() argument %s changed size during conversion", name);
            return -1;
        }
    }
    return 0;
}

static int
is_iterable(PyObject *obj)
{
    PyTypeObject *type = Py_TYPE(obj);
    return PyType_GetSlot(type, Py_tp_iter) != NULL
           || PyType_GetSlot(type, Py_sq_item) != NULL;
}

static int
from_iterable(vector_arg *arg, PyObject *obj, const char *name)
{
    if (!is_iterable(obj)) {
        PyObject *type_name = PyType_GetName(Py_TYPE(obj));
        if (type_name != NULL) {
            PyErr_Format(PyExc_TypeError,
                         "dot() argument %s must be an iterable of numbers or a "
                         "float buffer, not %U", name, type_name);
            Py_DECREF(type_name);
        }
        return -1;
    }
    PyObject *it = PyObject_GetIter(obj);
    if (it == NULL) {
        return -1;
    }
    Py_ssize_t capacity = 0;
    PyObject *item;
    arg->len = 0;
    while ((item = PyIter_Next(it)) != NULL) {
        if (arg->len == capacity) {
            capacity = capacity < 64 ? 64 : capacity + capacity / 2;
            if (own(arg, capacity) < 0) {
                Py_DECREF(item);
                Py_DECREF(it);
                return -1;
            }
        }
        int rc = item_to_double(item, name, arg->len, &arg->owned[arg->len]);
        Py_DECREF(item);
        /* An endless generator should still answer Ctrl-C. */
        if (rc == 0 && ++arg->len % 65536 == 0) {
            rc = PyErr_CheckSignals();
        }
        if (rc < 0) {
            Py_DECREF(it);
            return -1;
        }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

/* ---- entry points ------------------------------------------------------- */

int
vector_arg_init(vector_arg *arg, PyObject *obj, const char *name)
{
    arg->len = 0;
    arg->has_view = 0;
    arg->owned = NULL;
    /* An empty vector until a source says otherwise: an empty iterable
     * sets nothing else, and the kernel still looks at the view. */
    arg->vec = (vd_vector){(const char *)arg->small, sizeof(double), VD_F64};
    int rc;
    if (PyList_CheckExact(obj) || PyTuple_CheckExact(obj)) {
        rc = from_list_or_tuple(arg, obj, name);
    }
    else if (PyObject_CheckBuffer(obj)) {
        rc = from_buffer(arg, obj, name);
    }
    else {
        rc = from_iterable(arg, obj, name);
    }
    if (rc < 0) {
        vector_arg_release(arg);
        return -1;
    }
    if (arg->owned != NULL) {
        arg->vec = (vd_vector){(const char *)arg->owned, sizeof(double), VD_F64};
    }
    return 0;
}

void
vector_arg_release(vector_arg *arg)
{
    if (arg->has_view) {
        PyBuffer_Release(&arg->view);
        arg->has_view = 0;
    }
    if (arg->owned != arg->small) {
        PyMem_Free(arg->owned);
    }
    arg->owned = NULL;
}
