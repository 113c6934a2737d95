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
 * Which buffer formats are read, and how, is plain C in format.c; converted
 * values go to a vd_doubles (doubles.c) in Python's allocator.
 */
#include "py_vectors.h"
#include "format.h"

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

/* Make room for n converted values, keeping those already there. */
static int
reserve(vector_arg *arg, size_t n)
{
    if (vd_doubles_reserve(&arg->values, n) < 0) {
        PyErr_NoMemory();
        return -1;
    }
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

static const char supported_formats[] =
    "supported: 'd' and 'f' (read in place), and the integer formats "
    "'bBhHiIlLqQnN' and '?' (converted)";

/* The exporter refused with a ValueError (numpy: "cannot include dtype 'M'
 * in a buffer"): a TypeError, as for any other format dot() cannot read,
 * chained from the exporter's own error. */
static void
refused_buffer(const char *name)
{
    PyObject *type, *cause, *tb;
    PyErr_Fetch(&type, &cause, &tb);
    PyErr_NormalizeException(&type, &cause, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(cause, tb);
    }
    PyErr_Format(PyExc_TypeError, "dot() argument %s cannot be read as a buffer: %S",
                 name, cause);
    PyObject *new_type, *error, *new_tb;
    PyErr_Fetch(&new_type, &error, &new_tb);
    PyErr_NormalizeException(&new_type, &error, &new_tb);
    Py_INCREF(cause);
    PyException_SetContext(error, cause);   /* both steal a reference */
    PyException_SetCause(error, cause);     /* "from": __suppress_context__ */
    PyErr_Restore(new_type, error, new_tb);
    Py_DECREF(type);
    Py_XDECREF(tb);
}

/* Returns 1 when the buffer is read in place (arg->vec set), 0 when its
 * values were converted, -1 with an exception. */
static int
from_buffer(vector_arg *arg, PyObject *obj, const char *name)
{
    if (PyObject_GetBuffer(obj, &arg->view, PyBUF_RECORDS_RO) < 0) {
        if (PyErr_ExceptionMatches(PyExc_ValueError)) {
            refused_buffer(name);
        }
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
    vd_format f = vd_format_classify(v->format, (size_t)v->itemsize);
    if (f.kind == VD_FORMAT_UNSUPPORTED) {
        PyErr_Format(PyExc_TypeError, "dot() argument %s has unsupported buffer format '%s'; %s",
                     name, v->format != NULL ? v->format : "B", supported_formats);
        return -1;
    }
    arg->len = v->shape[0];
    Py_ssize_t stride = v->strides != NULL ? v->strides[0] : v->itemsize;
    if (vd_format_in_place(f)) {
        arg->vec = (vd_vector){v->buf, stride, v->itemsize == 8 ? VD_F64 : VD_F32};
        return 1;
    }
    if (reserve(arg, (size_t)arg->len) < 0) {
        return -1;
    }
    vd_format_read(v->buf, stride, (size_t)arg->len, f, arg->values.data);
    return 0;
}

/* ---- lists, tuples, iterables -------------------------------------------- */

static int
from_list_or_tuple(vector_arg *arg, PyObject *obj, const char *name)
{
    int is_list = PyList_CheckExact(obj);
    arg->len = is_list ? PyList_Size(obj) : PyTuple_Size(obj);
    if (reserve(arg, (size_t)arg->len) < 0) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < arg->len; i++) {
        PyObject *item = ITEM(obj, is_list, i);
        if (item == NULL) {
            return -1;
        }
        if (PyFloat_CheckExact(item)) {
            arg->values.data[i] = FLOAT_VALUE(item);  /* runs no Python code */
            continue;
        }
        /* Converting anything else may run Python code (__float__) that
         * drops this very item from the list: hold it meanwhile ... */
        Py_INCREF(item);
        int rc = item_to_double(item, name, i, &arg->values.data[i]);
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
    PyObject *item;
    arg->len = 0;
    while ((item = PyIter_Next(it)) != NULL) {
        /* Grow by half (capacity <= PTRDIFF_MAX / 8: this cannot wrap). */
        size_t capacity = arg->values.capacity;
        size_t grown = capacity < 64 ? 64 : capacity + capacity / 2;
        if ((size_t)arg->len == capacity && reserve(arg, grown) < 0) {
            Py_DECREF(item);
            Py_DECREF(it);
            return -1;
        }
        int rc = item_to_double(item, name, arg->len, &arg->values.data[arg->len]);
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
    vd_doubles_init(&arg->values, PyMem_Realloc, PyMem_Free);
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
    if (rc == 0) {
        /* Converted (an empty iterable included: the kernel still looks
         * at the view, which must be a valid one). */
        arg->vec = (vd_vector){(const char *)arg->values.data, sizeof(double), VD_F64};
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
    vd_doubles_free(&arg->values);
}
