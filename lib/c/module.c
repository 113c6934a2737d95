/* module.c: the vecdot._vecdot extension module: hello(), dot(), parse().
 *
 * Only argument handling lives here: the arithmetic is in dot.c and
 * exact.c, the number parser in parse.c, argument conversion in vectors.c.
 * The module keeps no global state; what it needs (the array type, the
 * default thread count) lives in per-module state, set up by multi-phase
 * initialization so each interpreter and each import gets its own.
 */
#include "vectors.h"
#include "parse.h"

#include <stdlib.h>
#include <string.h>

/* Below this many elements the kernel finishes before another thread could
 * make use of the GIL, and releasing it costs more than it frees. */
#define GIL_RELEASE_MIN 8192

typedef struct {
    PyObject *array_type;   /* array.array, for parse() results */
    int default_threads;    /* VECDOT_NUM_THREADS, else the usable CPUs */
} module_state;

static module_state *
get_state(PyObject *module)
{
    return (module_state *)PyModule_GetState(module);
}

/* ---- hello ---------------------------------------------------------------- */

PyDoc_STRVAR(hello_doc,
"hello($module, name='world', /)\n"
"--\n"
"\n"
"Return a greeting for name, built in C.");

static PyObject *
vecdot_hello(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError,
                     "hello() takes at most 1 argument (%zd given)", nargs);
        return NULL;
    }
    if (nargs == 0) {
        return PyUnicode_FromString("Hello, world, from C!");
    }
    if (!PyUnicode_Check(args[0])) {
        PyObject *type_name = PyType_GetName(Py_TYPE(args[0]));
        if (type_name != NULL) {
            PyErr_Format(PyExc_TypeError,
                         "hello() argument must be str, not %U", type_name);
            Py_DECREF(type_name);
        }
        return NULL;
    }
    return PyUnicode_FromFormat("Hello, %U, from C!", args[0]);
}

/* ---- dot ------------------------------------------------------------------ */

PyDoc_STRVAR(dot_doc,
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
"the usable CPUs).");

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
    long value = PyLong_AsLong(threads);
    if (value == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        value = 0;
    }
    if (value < 1) {
        PyErr_SetString(PyExc_ValueError, "dot() threads must be at least 1");
        return -1;
    }
    return value > VD_MAX_THREADS ? VD_MAX_THREADS : (int)value;
}

static PyObject *
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
        value = accurate ? vd_dot_exact(a.vec, b.vec, n) : vd_dot(a.vec, b.vec, n, threads);
        Py_END_ALLOW_THREADS
    }
    else {
        value = accurate ? vd_dot_exact(a.vec, b.vec, n) : vd_dot(a.vec, b.vec, n, 1);
    }
    result = PyFloat_FromDouble(value);

done:
    vector_arg_release(&a);
    vector_arg_release(&b);
    return result;
}

/* ---- parse ---------------------------------------------------------------- */

PyDoc_STRVAR(parse_doc,
"parse($module, text, /)\n"
"--\n"
"\n"
"Return array('d') of the comma-separated numbers in text (str or bytes).\n"
"\n"
"Each field gives the same float as float(field); \"\" gives an empty array.");

/* A field the C parser rejected: float() has the last word, so spellings
 * it accepts that parse.c does not (Unicode digits, say) still work. */
static int
parse_with_float(const char *field, Py_ssize_t len, int is_str, Py_ssize_t index,
                 double *out)
{
    PyObject *text = is_str ? PyUnicode_DecodeUTF8(field, len, "strict")
                            : PyBytes_FromStringAndSize(field, len);
    if (text == NULL) {
        return -1;
    }
    PyObject *number = PyFloat_FromString(text);
    if (number != NULL) {
        *out = PyFloat_AsDouble(number);
        Py_DECREF(number);
        Py_DECREF(text);
        return 0;
    }
    if (PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();
        /* Show at most 40 characters of the field: it came from outside. */
        Py_ssize_t length = is_str ? PyUnicode_GetLength(text) : len;
        PyObject *head = is_str ? PyUnicode_Substring(text, 0, 40)
                                : PyBytes_FromStringAndSize(field, len > 40 ? 40 : len);
        if (head != NULL) {
            PyErr_Format(PyExc_ValueError, "parse() item %zd is not a number: %R%s",
                         index, head, length > 40 ? " (truncated)" : "");
            Py_DECREF(head);
        }
    }
    Py_DECREF(text);
    return -1;
}

static PyObject *
vecdot_parse(PyObject *module, PyObject *text)
{
    const char *s;
    Py_ssize_t len;
    Py_buffer view = {0};
    int is_str = PyUnicode_Check(text);
    if (is_str) {
        s = PyUnicode_AsUTF8AndSize(text, &len);
        if (s == NULL) {
            return NULL;
        }
    }
    else {
        if (!PyObject_CheckBuffer(text)) {
            PyObject *type_name = PyType_GetName(Py_TYPE(text));
            if (type_name != NULL) {
                PyErr_Format(PyExc_TypeError,
                             "parse() argument must be str or bytes, not %U", type_name);
                Py_DECREF(type_name);
            }
            return NULL;
        }
        if (PyObject_GetBuffer(text, &view, PyBUF_SIMPLE) < 0) {
            return NULL;
        }
        s = view.buf;
        len = view.len;
    }

    PyObject *result = NULL;
    size_t count = vd_count_fields(s, (size_t)len);
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(count * sizeof(double)));
    if (bytes == NULL) {
        goto done;
    }
    /* Fill the new bytes object in place: nobody else has seen it yet. */
    char *out = PyBytes_AsString(bytes);
    size_t pos = 0;
    for (size_t i = 0; i < count; i++) {
        size_t start = pos;
        double value;
        int rc = vd_parse_next(s, (size_t)len, &pos, &value);
        if (rc == VD_PARSE_NOMEM) {
            PyErr_NoMemory();
            goto done;
        }
        if (rc != VD_PARSE_OK) {
            /* The field ends at the comma that moved pos, or at the end. */
            size_t end = pos > start && s[pos - 1] == ',' ? pos - 1 : pos;
            if (parse_with_float(s + start, (Py_ssize_t)(end - start), is_str,
                                 (Py_ssize_t)i, &value) < 0) {
                goto done;
            }
        }
        memcpy(out + i * sizeof(double), &value, sizeof(double));
    }
    /* array('d', bytes) copies the bytes once into the new array. */
    result = PyObject_CallFunction(get_state(module)->array_type, "sO", "d", bytes);

done:
    Py_XDECREF(bytes);
    if (!is_str) {
        PyBuffer_Release(&view);
    }
    return result;
}

/* ---- module --------------------------------------------------------------- */

static PyMethodDef vecdot_methods[] = {
    {"hello", (PyCFunction)(void (*)(void))vecdot_hello, METH_FASTCALL, hello_doc},
    {"dot", (PyCFunction)(void (*)(void))vecdot_dot, METH_FASTCALL | METH_KEYWORDS, dot_doc},
    {"parse", vecdot_parse, METH_O, parse_doc},
    {NULL, NULL, 0, NULL},
};

/* The thread default: VECDOT_NUM_THREADS if set (it must be a positive
 * integer: a typo fails the import rather than silently using every core),
 * else the CPUs this process may run on. */
static int
read_default_threads(module_state *state)
{
    const char *env = getenv("VECDOT_NUM_THREADS");
    if (env != NULL && *env != '\0') {
        char *end;
        long value = strtol(env, &end, 10);
        if (*end != '\0' || value < 1) {
            PyErr_Format(PyExc_ValueError,
                         "VECDOT_NUM_THREADS must be a positive integer, not '%s'", env);
            return -1;
        }
        state->default_threads = value > VD_MAX_THREADS ? VD_MAX_THREADS : (int)value;
        return 0;
    }
    /* os.process_cpu_count() (3.13+) honours the CPU affinity mask, as
     * len(os.sched_getaffinity(0)) does on Linux; os.cpu_count() is the
     * fallback elsewhere. */
    PyObject *os = PyImport_ImportModule("os");
    if (os == NULL) {
        return -1;
    }
    PyObject *count = NULL;
    if (PyObject_HasAttrString(os, "process_cpu_count")) {
        count = PyObject_CallMethod(os, "process_cpu_count", NULL);
    }
    else if (PyObject_HasAttrString(os, "sched_getaffinity")) {
        PyObject *cpus = PyObject_CallMethod(os, "sched_getaffinity", "i", 0);
        if (cpus != NULL) {
            count = PyLong_FromSsize_t(PyObject_Size(cpus));
            Py_DECREF(cpus);
        }
    }
    else {
        count = PyObject_CallMethod(os, "cpu_count", NULL);
    }
    Py_DECREF(os);
    if (count == NULL) {
        return -1;
    }
    long value = count == Py_None ? 1 : PyLong_AsLong(count);
    Py_DECREF(count);
    if (value == -1 && PyErr_Occurred()) {
        return -1;
    }
    state->default_threads = value < 1 ? 1 : value > VD_MAX_THREADS ? VD_MAX_THREADS : (int)value;
    return 0;
}

static int
vecdot_exec(PyObject *module)
{
    module_state *state = get_state(module);
    PyObject *array = PyImport_ImportModule("array");
    if (array == NULL) {
        return -1;
    }
    state->array_type = PyObject_GetAttrString(array, "array");
    Py_DECREF(array);
    if (state->array_type == NULL) {
        return -1;
    }
    return read_default_threads(state);
}

static int
vecdot_traverse(PyObject *module, visitproc visit, void *arg)
{
    module_state *state = get_state(module);
    Py_VISIT(state->array_type);
    return 0;
}

static int
vecdot_clear(PyObject *module)
{
    module_state *state = get_state(module);
    Py_CLEAR(state->array_type);
    return 0;
}

static void
vecdot_free(void *module)
{
    vecdot_clear((PyObject *)module);
}

static PyModuleDef_Slot vecdot_slots[] = {
    /* Imports array and reads the thread default into this module's state. */
    {Py_mod_exec, vecdot_exec},
    {0, NULL},
};

static struct PyModuleDef vecdot_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "vecdot._vecdot",
    .m_doc = "Fast and exact dot products, in C. Import from vecdot.",
    .m_size = sizeof(module_state),
    .m_methods = vecdot_methods,
    .m_slots = vecdot_slots,
    .m_traverse = vecdot_traverse,
    .m_clear = vecdot_clear,
    .m_free = vecdot_free,
};

PyMODINIT_FUNC
PyInit__vecdot(void)
{
    return PyModuleDef_Init(&vecdot_module);
}
