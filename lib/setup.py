"""Build vecdot._vecdot: C11 against the limited API, one abi3 wheel for 3.11+.

VECDOT_FULL_API=1 builds the same sources against the full C API instead: a
wheel for one CPython (cp313-cp313, ...), faster on lists (docs/building.md).
The metadata lives in pyproject.toml; this file only describes the extension,
which pyproject.toml cannot.
"""

import os

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCES = [
    # The binding: Python objects in and out, nothing else (py_*).
    "c/py_module.c",  # the module, its state, hello()
    "c/py_dot.c",  # dot()
    "c/py_vectors.c",  # dot()'s arguments as vd_vector views
    "c/py_parse.c",  # parse()
    # The arithmetic, in plain C (no Python.h; tested from C in tests/c).
    "c/dot.c",  # fast kernel
    "c/cpu.c",  # which SIMD path the kernels take
    "c/pool.c",  # its persistent helper threads
    "c/pool_run.c",  # a call's tasks shared with them
    "c/exact.c",  # correctly rounded kernel
    "c/superacc.c",  # its exact accumulator
    "c/parse.c",  # number parser: the syntax
    "c/decimal.c",  # its digits to the nearest double
    "c/format.c",  # buffer formats to doubles
    "c/doubles.c",  # growable arrays of converted values
]

GCC_FLAGS = [
    "-std=c11",
    "-O3",
    # The accurate kernel's error-free transformations are only exact if
    # a*b+c is never fused behind our back; the fast kernel then also gives
    # the same bits on every CPU.
    "-ffp-contract=off",
    "-fno-strict-aliasing",
    "-fvisibility=hidden",
    "-Wall",
    "-Wextra",
    "-Werror=implicit-function-declaration",
]


# MSVC (the Windows wheels; built and tested only in CI): C11 for restrict and
# _Alignof. /fp:precise, its default, has not fused a*b+c since Visual Studio
# 2022 17.0 (Microsoft's fp_contract page): the same bits as GCC's build.
MSVC_FLAGS = ["/std:c11", "/fp:precise"]


class BuildExt(build_ext):
    """Add the GCC/Clang or MSVC flags above; other compilers keep their defaults."""

    def build_extensions(self):
        flags = {"unix": GCC_FLAGS, "msvc": MSVC_FLAGS}.get(self.compiler.compiler_type, [])
        for ext in self.extensions:
            ext.extra_compile_args = flags + ext.extra_compile_args
        super().build_extensions()


# The one switch between the two builds. The abi3 wheel is the portable floor
# (`pip install ./lib`, any CPython from 3.11); where the CPython is known (the
# release's version-specific wheels, the image), the full API reads list items
# and floats without a function call each (c/py_vectors.c; bench/limited_api.py).
FULL_API = os.environ.get("VECDOT_FULL_API") == "1"

setup(
    ext_modules=[
        Extension(
            "vecdot._vecdot",
            sources=SOURCES,
            depends=[
                "c/block.h",
                "c/cpu.h",
                "c/decimal.h",
                "c/dot.h",
                "c/doubles.h",
                "c/format.h",
                "c/limited.h",
                "c/parse.h",
                "c/pool.h",
                "c/pow5_table.h",
                "c/py_module.h",
                "c/py_vectors.h",
                "c/superacc.h",
                "c/thread.h",
            ],
            include_dirs=["c"],
            define_macros=[("VECDOT_FULL_API", "1")] if FULL_API else [],
            py_limited_api=not FULL_API,
        )
    ],
    cmdclass={"build_ext": BuildExt},
    # Tag the wheel abi3 from 3.11: the floor set in c/limited.h.
    options={} if FULL_API else {"bdist_wheel": {"py_limited_api": "cp311"}},
)
