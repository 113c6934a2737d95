# Type stub for the C extension; the signatures match its __text_signature__.
from array import array
from collections.abc import Iterable
from typing import Final, SupportsFloat, SupportsIndex

from typing_extensions import Buffer  # collections.abc.Buffer is 3.12+

_Real = SupportsFloat | SupportsIndex

# dot()'s constants (lib/c/dot.h, py_dot.c, doubles.h), for vecdot._native and the tests.
CHUNK_SIZE: Final[int]  # elements per chunk: the unit of work and of the summation order
LANES: Final[int]  # independent accumulators per chunk
MIN_PER_THREAD: Final[int]  # elements each thread must have before another starts
MAX_THREADS: Final[int]  # the cap on threads, the caller included
GIL_RELEASE_MIN: Final[int]  # dot() releases the GIL from this many elements
INLINE_VALUES: Final[int]  # converted vectors up to this long need no allocation

def hello(name: str = "world", /) -> str: ...
def dot(
    a: Buffer | Iterable[_Real],
    b: Buffer | Iterable[_Real],
    /,
    *,
    accurate: bool = False,
    threads: int | None = None,
) -> float: ...
def parse(text: str | Buffer, /) -> array[float]: ...
