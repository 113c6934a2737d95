"""vecdot: fast and exact dot products, in C.

    >>> import vecdot
    >>> vecdot.dot([1, 2, 3], [4, 5, 6])
    32.0
    >>> vecdot.dot([1e16, 1.0, -1e16], [1, 1, 1], accurate=True)
    1.0

The functions come from the C extension vecdot._vecdot; vecdot._native holds
a pure-Python reference with the same behaviour (slow; used by the tests).
"""

from vecdot._vecdot import dot, hello, parse

__all__ = ["dot", "hello", "parse"]
__version__ = "0.1.0"
