/* py_module.h: what the binding files share (Python side only).
 *
 * The binding is split by Python function: py_module.c (the module, its
 * state and hello), py_dot.c (+ py_vectors.c for its arguments), and
 * py_parse.c. The arithmetic they call is plain C: dot.h, parse.h.
 */
#ifndef VECDOT_PY_MODULE_H
#define VECDOT_PY_MODULE_H

#define PY_SSIZE_T_CLEAN
#include "limited.h"
#include <Python.h>

/* Per-module state: multi-phase init gives each import its own. */
typedef struct {
    PyObject *array_type;       /* array.array, for parse() results */
    PyObject *array_frombytes;  /* array.array.frombytes, to fill them */
    int default_threads;        /* VECDOT_NUM_THREADS, else the usable CPUs */
} module_state;

static inline module_state *
get_state(PyObject *module)
{
    return (module_state *)PyModule_GetState(module);
}


/* The module's functions, with their docstrings (text signatures first). */
extern const char vecdot_dot_doc[];
PyObject *vecdot_dot(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames);
/* Add dot()'s constants (CHUNK_SIZE, LANES, ...) to the module; 0 or -1. */
int vecdot_dot_constants(PyObject *module);
extern const char vecdot_parse_doc[];
PyObject *vecdot_parse(PyObject *module, PyObject *text);

#endif
