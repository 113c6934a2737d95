"""Fixtures for the library tests.

`impl` runs a test against both implementations: the C extension (vecdot)
and the pure-Python reference (vecdot._native). Shared behaviour is written
once and must hold for both; tests that only make sense for C (zero copy,
the GIL, leaks) use `vecdot` directly.
"""

import pytest
import vecdot
import vecdot._native


@pytest.fixture(params=["c", "native"])
def impl(request):
    return vecdot if request.param == "c" else vecdot._native
