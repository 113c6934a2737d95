/* probe.c: a bench-only extension module, _probe, for two measurements that
 * vecdot itself cannot make.
 *
 *   noop(a, b)          does nothing: the floor for a C function called with
 *                       two arguments, for issue 5's call-overhead target.
 *                       Same calling convention as vecdot.dot (METH_FASTCALL,
 *                       limited API), so the difference is dot's own work.
 *   dot_hold(a, b)      vecdot's fast kernel (lib/c/dot.c, one thread) on two
 *   dot_release(a, b)   float64 buffers, with the GIL held or released: their
 *                       difference at each n is what releasing costs, and run
 *                       from two threads it shows what releasing buys. That is
 *                       the measurement behind lib/c/py_dot.c's GIL_RELEASE_MIN.
 */
#define PY_SSIZE_T_CLEAN
#define Py_LIMITED_API 0x030b0000  /* as vecdot (lib/c/limited.h): buffers need 3.11 */
#include <Python.h>

#include "dot.h"

static PyObject *
probe_noop(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    (void)args;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "noop() takes exactly 2 arguments");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* dot_hold and dot_release: the same work, only the GIL handling differs. */
static PyObject *
probe_dot(PyObject *const *args, Py_ssize_t nargs, int release)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "dot_hold() and dot_release() take 2 arguments");
        return NULL;
    }
    Py_buffer va, vb;
    if (PyObject_GetBuffer(args[0], &va, PyBUF_CONTIG_RO | PyBUF_FORMAT) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[1], &vb, PyBUF_CONTIG_RO | PyBUF_FORMAT) < 0) {
        PyBuffer_Release(&va);
        return NULL;
    }
    PyObject *result = NULL;
    if (va.itemsize != 8 || vb.itemsize != 8 || va.len != vb.len) {
        PyErr_SetString(PyExc_ValueError, "two float64 buffers of the same length");
        goto done;
    }
    vd_vector a = {va.buf, 8, VD_F64}, b = {vb.buf, 8, VD_F64};
    size_t n = (size_t)(va.len / 8);
    double value;
    if (release) {
        Py_BEGIN_ALLOW_THREADS
        value = vd_dot(a, b, n, 1);
        Py_END_ALLOW_THREADS
    }
    else {
        value = vd_dot(a, b, n, 1);
    }
    result = PyFloat_FromDouble(value);
done:
    PyBuffer_Release(&va);
    PyBuffer_Release(&vb);
    return result;
}

static PyObject *
probe_dot_hold(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    return probe_dot(args, nargs, 0);
}

static PyObject *
probe_dot_release(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    return probe_dot(args, nargs, 1);
}

static PyMethodDef probe_methods[] = {
    {"noop", (PyCFunction)(void (*)(void))probe_noop, METH_FASTCALL, NULL},
    {"dot_hold", (PyCFunction)(void (*)(void))probe_dot_hold, METH_FASTCALL, NULL},
    {"dot_release", (PyCFunction)(void (*)(void))probe_dot_release, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot probe_slots[] = {
    {0, NULL},  /* nothing to set up: multi-phase only so it imports like vecdot */
};

static struct PyModuleDef probe_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_probe",
    .m_doc = "vecdot benchmark probes: a no-op C call and the GIL-release experiment.",
    .m_size = 0,
    .m_methods = probe_methods,
    .m_slots = probe_slots,
};

PyMODINIT_FUNC
PyInit__probe(void)
{
    return PyModuleDef_Init(&probe_module);
}
