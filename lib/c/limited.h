/* limited.h: the one place that picks the Python C API vecdot compiles against.
 *
 * The limited API (PEP 384) makes one binary, tagged abi3, load on every
 * CPython from 3.11 on. 3.11 is the floor because that is where the buffer
 * protocol (PyObject_GetBuffer, Py_buffer) entered the limited API, and
 * dot() reads numpy arrays and array.array through it without copying.
 * Every binding file includes this before Python.h.
 */
#ifndef VECDOT_LIMITED_H
#define VECDOT_LIMITED_H

/* VECDOT_FULL_API builds against the full API instead (a version-specific
 * wheel): only to measure what the limited API costs (docs/benchmarks.md). */
#ifndef VECDOT_FULL_API
#  define Py_LIMITED_API 0x030b0000
#endif

#endif
