"""`make bench`: every benchmark of issue 5 in one run, its targets judged, the report written.

Steps, in order (each prints its progress; about 6 minutes, bounded to ~10):
  build     the harness's own contenders into bench/out/ (bench/build.py)
  micro     the in-process benchmark in this Python, n = 3 .. 1e7 (bench/micro.py)
  alone     vecdot and numpy on float64 buffers, each in blocks of its own (bench/alone.py)
  parse     query and JSON parsing per value (bench/parse_bench.py)
  tuning    the measurements behind VD_MIN_PER_THREAD and GIL_RELEASE_MIN (bench/tuning.py)
  instructions  instructions per call at n=3 under callgrind, free of timing noise
  image     build the current tree's image; rebuild after a one-line C change (bench/image.py)
  py313     sumprod against vecdot, and who rounds correctly, in the image's Python 3.13
  http      wrk against gunicorn (make serve's config) and the container, with the C
            extension and with the pure-Python backend (bench/http_load.py, servers.py)
Then: PASS/FAIL per target, bench/out/results.json, docs/benchmarks.md and its plot.

    .venv/bin/python bench/run.py                  # everything (make bench)
    .venv/bin/python bench/run.py --quick          # a short smoke run; report in bench/out/
    .venv/bin/python bench/run.py --steps micro,http --quick
    .venv/bin/python bench/run.py --wait-quiet 0.5 # first wait for a 1-minute load below 0.5
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))

import build  # noqa: E402
import targets  # noqa: E402

STEPS = ["build", "micro", "alone", "parse", "tuning", "instructions", "image", "py313", "http"]
# Contenders timed in the image's Python 3.13 (no numpy, Cython or compiler there).
PY313_CONTENDERS = "py_zip,py_map,sumprod,vecdot_list,vecdot_list_acc,vecdot,vecdot_acc,noop"
STARTS = 3  # container starts timed for time-to-healthy
FALLBACK_IMAGE = "vecdot:latest"  # what `make image` builds


def log(message):
    print(message, flush=True)


def load_average():
    return os.getloadavg()


def wait_quiet(limit, max_minutes):
    """Poll the 1-minute load average until it is below limit (bounded)."""
    deadline = time.monotonic() + max_minutes * 60
    while True:
        load = load_average()[0]
        if load < limit:
            log(f"== load {load:.2f} < {limit}: starting")
            return
        if time.monotonic() > deadline:
            log(f"== load still {load:.2f} after {max_minutes} min: starting anyway (noted in the report)")
            return
        log(f"   waiting for a quiet machine: load {load:.2f} (want < {limit})")
        time.sleep(20)


def machine():
    def cmd(*args):
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    lscpu = {}
    for line in cmd("lscpu").splitlines():
        key, _, value = line.partition(":")
        lscpu[key.strip()] = value.strip()
    flags = set(lscpu.get("Flags", "").split())
    mem_kb = int(open("/proc/meminfo").read().split()[1])
    return {
        "cpu": lscpu.get("Model name"), "cpus": lscpu.get("CPU(s)"),
        "threads_per_core": lscpu.get("Thread(s) per core"),
        "hypervisor": lscpu.get("Hypervisor vendor"),
        "caches": {k: lscpu.get(k) for k in ("L1d cache", "L2 cache", "L3 cache")},
        "simd": [f for f in ("avx2", "fma", "avx512f") if f in flags],
        "memory_gib": round(mem_kb / 2**20, 1),
        "kernel": platform.release(), "python": platform.python_version(),
        "gcc": cmd("gcc", "--version").splitlines()[0] if cmd("gcc", "--version") else None,
        "wrk": (cmd("wrk", "--version").splitlines() or [None])[0],
        "docker": cmd("docker", "version", "--format", "{{.Server.Version}}"),
        "commit": cmd("git", "-C", str(REPO), "rev-parse", "--short", "HEAD"),
        "dirty": bool(cmd("git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no")),
        "vecdot_num_threads": os.environ.get("VECDOT_NUM_THREADS"),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
    }


def step_micro(quick):
    import micro

    path = OUT / "micro.json"
    micro.main((["--quick"] if quick else []) + ["--out", str(path)])
    return json.loads(path.read_text())


def docker_python(image, *args, timeout=900):
    """Run a bench/ script with the image's own Python (3.13), bench/ mounted read-only."""
    cmd = ["docker", "run", "--rm", "--volume", f"{BENCH}:/bench:ro", image, "python", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=None, text=True)  # progress passes through
    out, _ = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}")
    return json.loads(out)


def step_py313(image, quick):
    args = ["/bench/micro.py", "--only", PY313_CONTENDERS, "--max-n", "1000000", "--out", "-"]
    micro313 = docker_python(image, *args, *(["--quick"] if quick else []))
    rounding = docker_python(image, "/bench/rounding.py", "--cases", "100" if quick else "300")
    return micro313, rounding


def step_http(image, quick):
    import http_load
    import servers

    requests = http_load.write_requests()
    names = list(http_load.ENDPOINTS)
    import wsgi_cost

    log("  the app's CPU per request, in process (no network)")
    wsgi = wsgi_cost.run(requests, 3 if quick else 9, 10.0, log)
    rounds, seconds = (1, 2) if quick else (2, 4)
    results, rss, startup = {}, {}, {"seconds_to_healthy": [], "seconds_to_http_ok": []}
    configs = [("gunicorn", False), ("gunicorn", True)]
    if image:
        configs += [("container", False), ("container", True)]
    for kind, pure in configs:
        start = servers.gunicorn(pure) if kind == "gunicorn" else servers.container(image, pure)
        with start as server:
            log(f"  {server.name} on {server.url} (answered /healthz after {server.seconds_to_http_ok:.2f} s)")
            time.sleep(1)  # every worker booted, not only the one that answered /healthz
            idle = server.worker_rss_mb()
            # The pure-Python backend is the comparison, not the product: one round.
            results[server.name] = http_load.load(server, requests, names, 1 if pure else rounds,
                                                  seconds, log)
            if not pure:
                rss[server.name] = {"idle_mb": sorted(idle.values()),
                                    "after_load_mb": sorted(server.worker_rss_mb().values())}
    if image:
        for i in range(1 if quick else STARTS):
            with servers.container(image) as server:
                startup["seconds_to_healthy"].append(server.seconds_to_healthy)
                startup["seconds_to_http_ok"].append(server.seconds_to_http_ok)
                log(f"  start {i + 1}: /healthz answered after {server.seconds_to_http_ok:.2f} s, "
                    f"healthy after {server.seconds_to_healthy:.2f} s")
    return results, rss, startup, wsgi


def have_docker():
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, to check the harness")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, of {','.join(STEPS)}")
    parser.add_argument("--wait-quiet", type=float, metavar="LOAD",
                        help="first wait (up to --wait-minutes) for a 1-minute load below LOAD")
    parser.add_argument("--wait-minutes", type=float, default=20)
    parser.add_argument("--image-tree", choices=["worktree", "head"], default="worktree",
                        help="build the image from the working tree (as make image) or from HEAD")
    parser.add_argument("--doc", help="report path (default docs/benchmarks.md; bench/out/ with --quick)")
    args = parser.parse_args(argv)
    steps = args.steps.split(",")
    doc = Path(args.doc) if args.doc else (OUT / "benchmarks.md" if args.quick else REPO / "docs" / "benchmarks.md")

    if args.wait_quiet:
        wait_quiet(args.wait_quiet, args.wait_minutes)
    started = time.monotonic()
    results = {"machine": machine(), "load_before": load_average(), "quick": args.quick,
               "command": "make bench" if not args.quick else "bench/run.py --quick",
               "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    docker = have_docker()
    image = None

    def section(name):
        log(f"== {name} ({time.monotonic() - started:.0f} s into the run)")

    def attempt(name, fn):
        """Run one step; a failure is reported and recorded, and the other steps still run."""
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 -- one broken step must not lose the rest
            log(f"== {name} failed: {type(exc).__name__}: {exc}")
            results.setdefault("errors", {})[name] = f"{type(exc).__name__}: {exc}"[-3000:]
            return None

    section("build: contenders into bench/out/")
    build.build_all()
    if "micro" in steps:
        section("micro: every contender, interleaved, this Python")
        results["micro"] = attempt("micro", lambda: step_micro(args.quick))
    if "alone" in steps:
        section("alone: vecdot and numpy on float64 buffers, each in blocks of its own")
        import alone

        results["alone"] = attempt("alone", lambda: alone.run(args.quick, log))
    if "parse" in steps:
        section("parse: text to float64, per value")
        import parse_bench

        results["parse"] = attempt("parse", lambda: parse_bench.run(3 if args.quick else 9, 10.0, log))
    if "tuning" in steps:
        section("tuning: threads and the GIL")
        import tuning

        results["tuning"] = attempt("tuning", lambda: tuning.run(args.quick, log))
    if "instructions" in steps:
        section("instructions: one call at n=3 under callgrind")
        import instructions

        results["instructions"] = attempt("instructions", instructions.run)
    if docker and {"image", "py313", "http"} & set(steps):
        section(f"image: build the {args.image_tree} tree, then rebuild after one C change")
        import image as image_step

        results["image"] = attempt("image", lambda: image_step.measure(log, args.image_tree))
        image = image_step.IMAGE if results["image"] else None
        if image is None and image_step.exists(FALLBACK_IMAGE):
            # The tree did not build (a failing test in the build stage, say): measure the
            # last image `make image` built rather than nothing, and say so in the report.
            image = FALLBACK_IMAGE
            results["image_fallback"] = image_step.describe(FALLBACK_IMAGE)
            log(f"== using {FALLBACK_IMAGE} instead (built {results['image_fallback']['created']})")
    elif not docker:
        log("== no Docker here: skipping the image, Python 3.13 and container steps")
    if image and "py313" in steps:
        section("py313: sumprod and rounding in the image's Python 3.13")
        results["micro313"], results["rounding"] = attempt(
            "py313", lambda: step_py313(image, args.quick)) or (None, None)
    if "http" in steps:
        import http_load

        if not http_load.have_wrk():
            log("== no wrk: skipping HTTP (scripts/bench-deps.sh installs it)")
        else:
            section("http: wrk against gunicorn" + (" and the container" if image else ""))
            results["http"], results["rss"], results["startup"], results["wsgi"] = attempt(
                "http", lambda: step_http(image, args.quick)) or (None, None, None, None)
    if image and image != FALLBACK_IMAGE:
        subprocess.run(["docker", "image", "rm", image], capture_output=True)
    results = {k: v for k, v in results.items() if v is not None}

    results["load_after"] = load_average()
    results["seconds"] = time.monotonic() - started
    results["targets"] = targets.evaluate(results)
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    section("targets")
    targets.print_table(results["targets"], log)

    import report

    png = doc.with_suffix(".png")
    if "micro" in results:
        try:
            import plot
        except ImportError:
            log("== matplotlib is not installed: no plot (pip install -r bench/requirements.txt)")
        else:
            plot.plot(results, png)
    doc.write_text(report.render(results, png.name))
    for name, error in results.get("errors", {}).items():
        log(f"== step {name} failed; see the report. {error.splitlines()[0][:200]}")
    log(f"== wrote {doc.relative_to(REPO)} and {png.relative_to(REPO)}, "
        f"results in {(OUT / 'results.json').relative_to(REPO)} ({results['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
