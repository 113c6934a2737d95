"""Build the benchmark's native contenders into bench/out/ (gitignored).

- libvdbench.so, for ctypes: vecdot's fast kernel (the Makefile's KERNEL_SRC, compiled
  with the wheel's own flags, read from lib/setup.py, so neither can drift) behind
  bench/c/kernels.c, and the memory-read ceiling bench/c/stream.c (-march=native: it
  is this machine's ceiling, not a portable build).
- _probe: bench/c/probe.c, the no-op C function and the GIL-release experiment, on the
  same kernel sources.
- cydot: bench/cydot.pyx through Cython, with the same -O3 as vecdot.

Each is rebuilt only when one of its sources is newer, so a second run starts at once.
"""

import ast
import subprocess
import sys
import sysconfig
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
LIB_C = REPO / "lib" / "c"
CC = "gcc"


def wheel_flags():
    """GCC_FLAGS from lib/setup.py: the flags vecdot's own kernels are built with."""
    tree = ast.parse((REPO / "lib" / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "GCC_FLAGS" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise RuntimeError("lib/setup.py has no GCC_FLAGS")


def kernel_sources():
    """KERNEL_SRC from the Makefile: the plain-C files the kernel needs (dot.c alone
    would leave its thread pool's symbols undefined, and ctypes would refuse the library)."""
    for line in (REPO / "Makefile").read_text().splitlines():
        if line.startswith("KERNEL_SRC :="):
            return [REPO / f for f in line.split(":=", 1)[1].split()]
    raise RuntimeError("the Makefile has no KERNEL_SRC")


def _stale(target, sources):
    if not target.exists():
        return True
    built = target.stat().st_mtime
    return any(Path(s).stat().st_mtime > built for s in sources)


def _run(cmd):
    print("  $", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True)


def _headers(header_dir=LIB_C):
    return sorted(header_dir.glob("*.h"))


def build_ctypes_lib():
    target = OUT / "libvdbench.so"
    kernel = kernel_sources()
    sources = [BENCH / "c" / "kernels.c", BENCH / "c" / "stream.c", *kernel]
    if _stale(target, sources + _headers()):
        flags = wheel_flags() + ["-fPIC", f"-I{LIB_C}"]
        # ctypes finds only exported symbols: the bench's own entry points stay visible.
        exported = [f for f in flags if f != "-fvisibility=hidden"]
        objs = []
        for src, src_flags in (*((k, flags) for k in kernel),
                               (BENCH / "c" / "kernels.c", exported),
                               (BENCH / "c" / "stream.c",
                                exported + ["-march=native"])):
            obj = OUT / (src.stem + ".o")
            _run([CC, *src_flags, "-c", src, "-o", obj])
            objs.append(obj)
        _run([CC, "-shared", *objs, "-o", target, "-lpthread", "-lm"])
    return target


def build_probe():
    target = OUT / "_probe.abi3.so"
    sources = [BENCH / "c" / "probe.c", *kernel_sources()]
    if _stale(target, sources + _headers()):
        include = sysconfig.get_paths()["include"]
        _run([CC, *wheel_flags(), "-fPIC", "-shared", f"-I{LIB_C}", f"-I{include}",
              *sources, "-o", target, "-lpthread", "-lm"])
    return target


def build_cython():
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    target = OUT / f"cydot{suffix}"
    pyx = BENCH / "cydot.pyx"
    if _stale(target, [pyx]):
        c_file = OUT / "cydot.c"
        _run([sys.executable, "-m", "cython", "-3", pyx, "-o", c_file])
        include = sysconfig.get_paths()["include"]
        _run([CC, "-O3", "-fPIC", "-shared", "-std=c11", "-ffp-contract=off",
              "-fno-strict-aliasing", "-w", f"-I{include}", c_file, "-o", target])
    return target


def build_all():
    """Build what is stale and return bench/out, to be put on sys.path."""
    OUT.mkdir(exist_ok=True)
    build_ctypes_lib()
    build_probe()
    try:
        import Cython  # noqa: F401
    except ImportError:
        print("  Cython is not installed: no Cython contender "
              "(pip install -r bench/requirements.txt)", flush=True)
    else:
        build_cython()
    return OUT


if __name__ == "__main__":
    build_all()
