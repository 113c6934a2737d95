"""Fixtures for the library tests: every test runs on both backends by default.

As in markupsafe's tests, an autouse fixture runs each test once per backend:
the C extension (vecdot) and the pure-Python reference (vecdot._native),
which promises the same results and errors. `impl` is the backend under test;
while a native run lasts, vecdot.dot, vecdot.parse and vecdot.hello are the
reference's, so a shared test that names vecdot directly still tests both.

Tests of the C extension itself (zero copy, the GIL, threads, leaks, crash
isolation, and C compared with the reference) say so with the `c_only`
marker and run once, against C alone.
"""

import pytest
import vecdot
import vecdot._native

BACKENDS = {"c": vecdot, "native": vecdot._native}
FUNCTIONS = ("dot", "hello", "parse")
C_FUNCTIONS = {name: getattr(vecdot, name) for name in FUNCTIONS}


def pytest_generate_tests(metafunc):
    if "impl" in metafunc.fixturenames:
        c_only = metafunc.definition.get_closest_marker("c_only") is not None
        metafunc.parametrize("impl", ["c"] if c_only else list(BACKENDS), indirect=True, scope="session")


@pytest.fixture(scope="session")
def impl(request):
    # Session scope: a backend is a choice, not state, so it may span the
    # examples of a Hypothesis test, and the tests are grouped by backend.
    return BACKENDS[request.param]


@pytest.fixture(autouse=True)
def vecdot_is_the_backend_under_test(impl):
    # By hand, not monkeypatch: Hypothesis rightly objects to a function-scoped
    # fixture a test requests, but not to an autouse one.
    for name in FUNCTIONS:
        setattr(vecdot, name, getattr(impl, name))
    try:
        yield
    finally:
        for name, function in C_FUNCTIONS.items():
            setattr(vecdot, name, function)
