/* py_dot.c: vecdot.dot(): arguments in, the kernel called, a float out.
 *
 * Arguments become vd_vector views (py_vectors.c); the arithmetic is
 * vd_dot / vd_dot_exact (dot.c, exact.c), run without the GIL when the
 * vectors are long enough for that to pay.
 */
#include "py_module.h"
#include "py_vectors.h"

/* Below this many elements the kernel finishes before another thread could
 * make use of the GIL, and releasing it costs more than it frees. */
#define GIL_RELEASE_MIN 16384

int
vecdot_dot_constants(PyObject *module)
{
    /* The numbers that decide dot()'s order of operations and its paths,
     * so that vecdot._native and the tests read them rather than copy. */
    if (PyModule_AddIntConstant(module, "CHUNK_SIZE", (long)VD_CHUNK) < 0
        || PyModule_AddIntConstant(module, "LANES", VD_LANES) < 0
        || PyModule_AddIntConstant(module, "MIN_PER_THREAD", (long)VD_MIN_PER_THREAD) < 0
        || PyModule_AddIntConstant(module, "MAX_THREADS", VD_MAX_THREADS) < 0
        || PyModule_AddIntConstant(module, "GIL_RELEASE_MIN", GIL_RELEASE_MIN) < 0
        || PyModule_AddIntConstant(module, "INLINE_VALUES", VD_DOUBLES_INLINE) < 0) {
        return -1;
    }
    return 0;
}

const char vecdot_dot_doc[] =
"dot($module, a, b, /, *, accurate=False, threads=None)\n"
"--\n"
"\n"
"Return the dot product of two equal-length vectors of real numbers.\n"
"\n"
"a and b may be float64 or float32 buffers (numpy arrays, array.array,\n"
"memoryview), read in place, or any iterables of real numbers.\n"
"accurate=True returns the exact dot product rounded once to the nearest\n"
"float. threads caps the threads used for large vectors (default: the\n"
"VECDOT_NUM_THREADS environment variable when vecdot was imported, else\n"
"the usable CPUs).\n"
"\n"
"A zero sum is 0.0, never -0.0, as in math.sumprod; only accurate=True\n"
"gives -0.0, for a negative sum too small for a float. The arguments are\n"
"checked in the order accurate, threads, a, b (then their lengths), so a\n"
"bad keyword is reported before any vector is read.";

/* The keyword arguments of dot(), by name. Returns 0, or -1 with TypeError. */
static int
dot_keywords(PyObject *kwnames, PyObject *const *values, PyObject **accurate,
             PyObject **threads)
{
    Py_ssize_t nkw = kwnames != NULL ? PyTuple_Size(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; i++) {
        PyObject *key = PyTuple_GetItem(kwnames, i);
        if (key == NULL) {
            return -1;
        }
        if (PyUnicode_CompareWithASCIIString(key, "accurate") == 0) {
            *accurate = values[i];
        }
        else if (PyUnicode_CompareWithASCIIString(key, "threads") == 0) {
            *threads = values[i];
        }
        else {
            PyErr_Format(PyExc_TypeError,
                         "dot() got an unexpected keyword argument '%U'", key);
            return -1;
        }
    }
    return 0;
}

/* threads=None means the module default; otherwise a positive int. */
static int
thread_count(PyObject *module, PyObject *threads)
{
    if (threads == NULL || threads == Py_None) {
        return get_state(module)->default_threads;
    }
    if (!PyLong_Check(threads) || PyBool_Check(threads)) {
        PyErr_SetString(PyExc_TypeError, "dot() threads must be an int or None");
        return -1;
    }
    /* Any positive int is fine: beyond VD_MAX_THREADS it is capped, so
     * even threads=2**64 means "as many as help". */
    int overflow;
    long value = PyLong_AsLongAndOverflow(threads, &overflow);
    if (value == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (overflow > 0) {
        return VD_MAX_THREADS;
    }
    if (value < 1) {
        PyErr_SetString(PyExc_ValueError, "dot() threads must be at least 1");
        return -1;
    }
    return value > VD_MAX_THREADS ? VD_MAX_THREADS : (int)value;
}

PyObject *
vecdot_dot(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError,
                     "dot() takes exactly 2 positional arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *accurate_arg = NULL, *threads_arg = NULL;
    if (dot_keywords(kwnames, args + nargs, &accurate_arg, &threads_arg) < 0) {
        return NULL;
    }
    int accurate = accurate_arg != NULL ? PyObject_IsTrue(accurate_arg) : 0;
    if (accurate < 0) {
        return NULL;
    }
    int threads = thread_count(module, threads_arg);
    if (threads < 0) {
        return NULL;
    }

    vector_arg a, b;
    if (vector_arg_init(&a, args[0], "a") < 0) {
        return NULL;
    }
    if (vector_arg_init(&b, args[1], "b") < 0) {
        vector_arg_release(&a);
        return NULL;
    }
    PyObject *result = NULL;
    if (a.len != b.len) {
        PyErr_Format(PyExc_ValueError,
                     "dot() vectors have different lengths (%zd and %zd)", a.len, b.len);
        goto done;
    }

    size_t n = (size_t)a.len;
    double value;
    if (n >= GIL_RELEASE_MIN) {
        /* The views stay valid without the GIL: the buffers are held
         * (exporters cannot resize them) and converted values are ours. */
        Py_BEGIN_ALLOW_THREADS
        value = accurate ? vd_dot_exact(a.vec, b.vec, n, threads) : vd_dot(a.vec, b.vec, n, threads);
        Py_END_ALLOW_THREADS
    }
    else {
        value = accurate ? vd_dot_exact(a.vec, b.vec, n, 1) : vd_dot(a.vec, b.vec, n, 1);
    }
    result = PyFloat_FromDouble(value);

done:
    vector_arg_release(&a);
    vector_arg_release(&b);
    return result;
}

