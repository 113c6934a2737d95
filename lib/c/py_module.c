/* py_module.c: the vecdot._vecdot extension module, and hello().
 *
 * The binding keeps no global state: what it needs (the array type and its
 * frombytes for parse(), the default thread count for dot()) lives in
 * per-module state, set up by multi-phase initialization so each import
 * gets its own. The one process-wide thing is below the binding, in plain
 * C: the helper threads of pool.c, which belong to the process (its cores),
 * not to a module, and are made on first use. PyInit__vecdot is the only
 * symbol the shared library exports.
 */
#include "py_module.h"
#include "dot.h"

#include <stdlib.h>

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

/* ---- module --------------------------------------------------------------- */

static PyMethodDef vecdot_methods[] = {
    {"hello", (PyCFunction)(void (*)(void))vecdot_hello, METH_FASTCALL, hello_doc},
    {"dot", (PyCFunction)(void (*)(void))vecdot_dot, METH_FASTCALL | METH_KEYWORDS,
     vecdot_dot_doc},
    {"parse", vecdot_parse, METH_O, vecdot_parse_doc},
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
            Py_ssize_t size = PyObject_Size(cpus);
            count = size < 0 ? NULL : PyLong_FromSsize_t(size);
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
    /* Looked up once: a method called by name makes a new name string per
     * call (and each may linger in the type's attribute cache). */
    state->array_frombytes = PyObject_GetAttrString(state->array_type, "frombytes");
    if (state->array_frombytes == NULL) {
        return -1;
    }
    if (vecdot_dot_constants(module) < 0) {
        return -1;
    }
    return read_default_threads(state);
}

static int
vecdot_traverse(PyObject *module, visitproc visit, void *arg)
{
    module_state *state = get_state(module);
    Py_VISIT(state->array_type);
    Py_VISIT(state->array_frombytes);
    return 0;
}

static int
vecdot_clear(PyObject *module)
{
    module_state *state = get_state(module);
    Py_CLEAR(state->array_type);
    Py_CLEAR(state->array_frombytes);
    return 0;
}

static void
vecdot_free(void *module)
{
    vecdot_clear((PyObject *)module);
}

static PyModuleDef_Slot vecdot_slots[] = {
    /* Imports array, adds dot()'s constants, reads the thread default. */
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
