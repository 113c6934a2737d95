"""The image's figures: its size, and how long a rebuild takes after one C file changes.

The benchmark builds its own images from the current working tree, so what it measures
is what the tree holds (not a stale vecdot:latest): it copies the tree's files (tracked
and untracked, minus what .gitignore drops) to a fresh bench/out/image-context-*/ and runs
the project's own scripts/docker-build.sh there, tagged vecdot-bench:current, and the
proxy it builds too as vecdot-bench-proxy:current (`make image`'s tags, which the tests
and `make up` use, are left alone). BuildKit's cache is keyed by content, so when
`make image` has already built the same tree this takes seconds. Then one line is
appended to lib/c/dot.c in the copy and the images are rebuilt (vecdot-bench:rebuild):
issue 5's "rebuild after a change to one C file" (target < 30 s), which recompiles the
wheel and reruns the library tests in the build stage, as every real rebuild does (the
proxy, which holds no C, comes from the cache). The copy and the rebuild tag are
removed afterwards.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
IMAGE = "vecdot-bench:current"
PROXY_IMAGE = "vecdot-bench-proxy:current"  # rebuilt from cache by the rebuild too: it has no C
REBUILD_IMAGE = "vecdot-bench:rebuild"
BUILD_TIMEOUT = 1800  # a cold build (base image, apt, pip) takes minutes on 2 cores


def snapshot_tree(context, tree):
    """Copy the tree to context: the working tree's files (what `make image` would send),
    or HEAD's (reproducible while others edit the working tree)."""
    if tree == "head":
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=REPO, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(context)], input=archive, check=True)
        return
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        src = REPO / os.fsdecode(name)
        if src.is_file():  # a tracked file deleted in the tree is simply absent
            dest = context / os.fsdecode(name)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)


def build(context, tag, log_name, log):
    """scripts/docker-build.sh in context; returns the wall seconds, printing a heartbeat."""
    log_path = OUT / log_name
    env = dict(os.environ, VECDOT_IMAGE=tag, VECDOT_PROXY_IMAGE=PROXY_IMAGE)
    start = last_said = time.monotonic()
    with open(log_path, "wb") as out:
        proc = subprocess.Popen([str(context / "scripts" / "docker-build.sh")], cwd=context,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            time.sleep(0.1)
            now = time.monotonic()
            if now - last_said >= 30:
                last_said = now
                log(f"    building {tag}: {now - start:.0f} s (log: {log_path.relative_to(REPO)})")
            if now - start > BUILD_TIMEOUT:
                proc.kill()
                raise TimeoutError(f"building {tag} took over {BUILD_TIMEOUT} s")
    if proc.returncode != 0:
        tail = log_path.read_text(errors="replace").splitlines()[-30:]
        raise RuntimeError(f"building {tag} failed:\n" + "\n".join(tail))
    return time.monotonic() - start


def size_mb(tag):
    out = subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", tag],
                         capture_output=True, text=True, check=True).stdout
    return int(out) / 1e6


def exists(tag):
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def describe(tag):
    out = subprocess.run(["docker", "image", "inspect", "-f", "{{.Created}} {{.Size}}", tag],
                         capture_output=True, text=True, check=True).stdout.split()
    return {"image": tag, "created": out[0][:19].replace("T", " ") + " UTC", "size_mb": int(out[1]) / 1e6}


def measure(log, tree="worktree"):
    """Build the current tree, then rebuild after a one-line change to lib/c/dot.c."""
    context = Path(tempfile.mkdtemp(prefix="image-context-", dir=OUT))
    try:
        snapshot_tree(context, tree)
        log(f"  building {IMAGE} from the working tree (cached layers make this quick)")
        first = build(context, IMAGE, "docker-build-current.log", log)
        log(f"  {IMAGE}: {first:.1f} s, {size_mb(IMAGE):.0f} MB")
        with open(context / "lib" / "c" / "dot.c", "a") as f:
            f.write(f"/* bench/image.py: a one-line change, {time.time_ns()} */\n")
        log("  rebuilding after a one-line change to lib/c/dot.c")
        rebuild = build(context, REBUILD_IMAGE, "docker-build-rebuild.log", log)
        log(f"  rebuild: {rebuild:.1f} s")
    finally:
        subprocess.run(["docker", "image", "rm", REBUILD_IMAGE], capture_output=True)
        shutil.rmtree(context)
    return {"image": IMAGE, "tree": tree, "size_mb": size_mb(IMAGE), "first_build_s": first,
            "rebuild_one_c_file_s": rebuild, "build_steps": build_steps(OUT / "docker-build-rebuild.log")}


def build_steps(log_path):
    """The rebuild's slowest steps, from BuildKit's plain log: [[seconds, step]]."""
    names, times = {}, {}
    for line in log_path.read_text(errors="replace").splitlines():
        named = re.match(r"(#\d+) (\[[^\]]+\] .{0,60})", line)
        if named and named.group(1) not in names:
            names[named.group(1)] = named.group(2).strip()
        for done in re.finditer(r"(#\d+) DONE ([\d.]+)s", line):  # parallel steps share lines
            times[done.group(1)] = float(done.group(2))
    steps = sorted(((t, names[h]) for h, t in times.items() if h in names), reverse=True)
    return [[t, name] for t, name in steps[:5]]
