# The Cython contender: the dot product as a Python developer would write it in Cython.
# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Typed loops with bounds and wraparound checks off, built by bench/build.py with the same
-O3 as vecdot. One accumulator, as written by hand: the compiler may not reorder
floating-point additions, so this loop does not vectorize (vecdot's 16 lanes do).
"""


def dot_list(list a, list b):
    """Lists of floats: each item unboxed with PyFloat_AsDouble."""
    cdef Py_ssize_t i, n = len(a)
    cdef double s = 0.0
    if len(b) != n:
        raise ValueError("vectors have different lengths")
    for i in range(n):
        s += <double>a[i] * <double>b[i]
    return s


def dot_view(const double[::1] a, const double[::1] b):
    """Contiguous float64 buffers (numpy arrays), through typed memoryviews."""
    cdef Py_ssize_t i, n = a.shape[0]
    cdef double s = 0.0
    if b.shape[0] != n:
        raise ValueError("vectors have different lengths")
    for i in range(n):
        s += a[i] * b[i]
    return s
