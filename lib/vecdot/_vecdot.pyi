# Type stub for the C extension; the signatures match its __text_signature__.
from array import array
from collections.abc import Iterable
from typing import SupportsFloat, SupportsIndex

from typing_extensions import Buffer  # collections.abc.Buffer is 3.12+

_Real = SupportsFloat | SupportsIndex

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
