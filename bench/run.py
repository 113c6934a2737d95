"""`make bench`: run the benchmarks, judge the targets (issues 5 and 11), write the results and the report.

Steps, in order (each prints its progress; the whole run takes several minutes):
  micro         every contender in process, this Python, n = 3 .. 1e7 (bench/micro.py)
  alone         vecdot and numpy on float64 buffers, each in fresh processes of its own (bench/alone.py)
  app           the web app's own cost in process: parsing per value, CPU per request (bench/app_cost.py)
  tuning        the measurements behind vd_min_per_thread, VD_POOL_SPIN_NS, GIL_RELEASE_MIN (bench/tuning.py)
  instructions  instructions per call at n=3 under callgrind (bench/instructions.py)
  parse         vecdot.parse per 17-digit value beside float(): ns, fresh processes, and
                instructions by callgrind (bench/parse_speed.py)
  image         build the tree's images (service, proxy); rebuild after a one-line C change (bench/image.py)
  py313         sumprod and correct rounding in the image's Python 3.13 (micro.py, rounding.py)
  http          wrk against gunicorn and the container, C and pure-Python backends, and through
                the proxy (Compose) beside the container (bench/http_load.py, bench/servers.py)
The contenders are built first (bench/build.py). Then: PASS/FAIL per target (bench/targets.py),
bench/out/results.json, and the generated block of the report (bench/report.py) with its plot.
Only a full run rewrites docs/benchmarks.md; --quick or --steps write bench/out/benchmarks.md.

    .venv/bin/python bench/run.py                   # everything (make bench)
    .venv/bin/python bench/run.py --quick           # a smoke run of the harness
    .venv/bin/python bench/run.py --quick --steps micro,alone,app
    .venv/bin/python bench/run.py --wait-quiet 0.5  # first wait for a 1-minute load below 0.5
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))

import build  # noqa: E402
import report  # noqa: E402
import targets  # noqa: E402

STEPS = ["micro", "alone", "app", "tuning", "instructions", "parse", "image", "py313", "http"]
DOCKER_STEPS = {"image", "py313", "http"}
# Contenders timed in the image's Python 3.13 (no numpy, Cython or compiler there).
PY313_CONTENDERS = "py_zip,py_map,sumprod,vecdot_list,vecdot_list_acc,vecdot,vecdot_acc,noop"
STARTS = 3  # container starts timed for time-to-healthy
FALLBACK_IMAGES = ("vecdot:latest", "vecdot-proxy:latest")  # what `make image` builds


def log(message):
    print(message, flush=True)


def wait_quiet(limit, max_minutes):
    """Poll the 1-minute load average until it is below limit (bounded)."""
    deadline = time.monotonic() + max_minutes * 60
    while (load := os.getloadavg()[0]) >= limit and time.monotonic() < deadline:
        log(f"   waiting for a quiet machine: load {load:.2f} (want < {limit})")
        time.sleep(20)
    log(f"== load {load:.2f}: starting" + ("" if load < limit else f" anyway after {max_minutes} min"))


def machine():
    def cmd(*args):
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    lscpu = dict(line.partition(":")[::2] for line in cmd("lscpu").splitlines())
    lscpu = {k.strip(): v.strip() for k, v in lscpu.items()}
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
        "gcc": (cmd("gcc", "--version").splitlines() or [None])[0],
        "wrk": (cmd("wrk", "--version").splitlines() or [None])[0],
        "docker": cmd("docker", "version", "--format", "{{.Server.Version}}"),
        "commit": cmd("git", "-C", str(REPO), "rev-parse", "--short", "HEAD"),
        "dirty": bool(cmd("git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no")),
        "vecdot_num_threads": os.environ.get("VECDOT_NUM_THREADS"),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
    }


def have_docker():
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def docker_python(image, *args, timeout=900):
    """Run a bench/ script with the image's own Python (3.13), bench/ mounted read-only."""
    cmd = ["docker", "run", "--rm", "--volume", f"{BENCH}:/bench:ro", image, "python", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)  # progress passes through
    out, _ = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}")
    return json.loads(out)


def step_py313(image, quick):
    micro_args = ["/bench/micro.py", "--only", PY313_CONTENDERS, "--max-n", "1000000"]
    return {"micro313": docker_python(image, *micro_args, *(["--quick"] if quick else [])),
            "rounding": docker_python(image, "/bench/rounding.py", "--cases", "100" if quick else "300")}


def step_image(tree):
    """The tree's images (the service's and the proxy's), or (when they do not build) the
    last ones `make image` built, noted as such: (results, service image, proxy image or None)."""
    import image as image_step

    try:
        return {"image": image_step.measure(log, tree)}, image_step.IMAGE, image_step.PROXY_IMAGE
    except Exception as exc:
        service, proxy = FALLBACK_IMAGES
        if not image_step.exists(service):
            raise
        fallback = {**image_step.describe(service), "why": f"{type(exc).__name__}: {exc}"[-3000:]}
        log(f"== {fallback['why']}\n== measuring {service} instead (built {fallback['created']})")
        return {"image_fallback": fallback}, service, proxy if image_step.exists(proxy) else None


def http_groups(image, proxy_image):
    """The servers, in groups loaded together: [(pure-Python backend?, [functions that start one])]."""
    import servers

    groups = [(False, [servers.gunicorn]), (True, [partial(servers.gunicorn, pure_python=True)])]
    if image:
        # The proxy's cost: the Compose deployment (the proxy and one replica) against the
        # same image run directly, port published as the proxy's is, in the same rounds.
        proxied = [partial(servers.proxied, image, proxy_image)] if proxy_image else []
        groups += [(False, [partial(servers.container, image), *proxied]),
                   (True, [partial(servers.container, image, pure_python=True)])]
    return groups


def step_http(image, proxy_image, quick):
    import http_load
    import servers

    if not http_load.have_wrk():
        raise RuntimeError("no wrk (scripts/bench-deps.sh installs it)")
    requests = http_load.write_requests()
    setup = {"connections": http_load.CONNECTIONS, "rounds": 1 if quick else 2, "seconds": 2 if quick else 4}
    results, rss, startup = {}, {}, {"seconds_to_healthy": [], "seconds_to_http_ok": []}
    for pure, starts in http_groups(image, proxy_image):
        with ExitStack() as stack:
            group = [stack.enter_context(start()) for start in starts]
            for server in group:
                log(f"  {server.name} on {server.url} (answered /healthz after {server.seconds_to_http_ok:.2f} s)")
            time.sleep(1)  # every worker booted, not only the one that answered /healthz
            idle = {server.name: server.worker_rss_mb() for server in group}
            # The pure-Python backend is the comparison, not the product: one round.
            results.update(http_load.load(group, requests, 1 if pure else setup["rounds"], setup["seconds"], log))
            if not pure:
                rss.update({server.name: {"idle_mb": sorted(idle[server.name].values()),
                                          "after_load_mb": sorted(server.worker_rss_mb().values())}
                            for server in group})
            if len(group) == 2:  # the container and the proxy in front of it (http_groups)
                direct, proxied = (server.name for server in group)
                setup["proxy"] = {"direct": direct, "proxied": proxied, "replicas": 1,
                                  "limits_lifted": servers.PROXY_LIMITS_LIFTED}
                cost = http_load.proxy_cost(results[direct], results[proxied])
                for name, (share, direct_us, proxied_us, haproxy_us) in cost.items():
                    log(f"  {proxied} / {direct}, {http_load.ENDPOINTS[name][0]:<30} req/s {share:4.0%}; "
                        f"CPU µs/req {proxied_us:6,.0f} (HAProxy {haproxy_us:5,.0f}) vs {direct_us:6,.0f}")
    starts = 0 if image is None else 1 if quick else STARTS
    for i in range(starts):
        with servers.container(image) as server:
            startup["seconds_to_healthy"].append(server.seconds_to_healthy)
            startup["seconds_to_http_ok"].append(server.seconds_to_http_ok)
            log(f"  start {i + 1}: /healthz answered after {server.seconds_to_http_ok:.2f} s, "
                f"healthy after {server.seconds_to_healthy:.2f} s")
    return {"http": results, "http_setup": setup, "rss": rss, "startup": startup}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, to check the harness")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, of {','.join(STEPS)}")
    parser.add_argument("--wait-quiet", type=float, metavar="LOAD",
                        help="first wait (up to --wait-minutes) for a 1-minute load below LOAD")
    parser.add_argument("--wait-minutes", type=float, default=20)
    parser.add_argument("--image-tree", choices=["worktree", "head"], default="worktree",
                        help="build the image from the working tree (as make image) or from HEAD")
    args = parser.parse_args(argv)
    steps = args.steps.split(",")
    if unknown := set(steps) - set(STEPS):
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    full = not args.quick and set(steps) == set(STEPS)
    doc = REPO / "docs" / "benchmarks.md" if full else OUT / "benchmarks.md"

    if args.wait_quiet:
        wait_quiet(args.wait_quiet, args.wait_minutes)
    started = time.monotonic()
    results = {"machine": machine(), "load_before": os.getloadavg(), "quick": args.quick,
               "command": "make bench" if full else f"bench/run.py {' '.join(argv or sys.argv[1:])}",
               "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    image = proxy_image = None

    def attempt(name, fn):
        """Run one step and merge what it returns; a failure is recorded and the other steps still run."""
        log(f"== {name} ({time.monotonic() - started:.0f} s into the run)")
        try:
            results.update(fn())
        except Exception as exc:  # noqa: BLE001 -- one broken step must not lose the rest
            log(f"== {name} failed: {type(exc).__name__}: {exc}")
            results.setdefault("errors", {})[name] = f"{type(exc).__name__}: {exc}"[-3000:]

    OUT.mkdir(exist_ok=True)
    build.build_all()
    quick = args.quick
    if "micro" in steps:
        import micro

        attempt("micro", lambda: {"micro": micro.run(micro.QUICK_SIZES if quick else micro.SIZES,
                                                     list(micro.CONTENDERS), 3 if quick else 9, 10.0, log)})
    if "alone" in steps:
        import alone

        attempt("alone", lambda: {"alone": alone.run(quick, log)})
    if "app" in steps:
        import app_cost

        attempt("app", lambda: app_cost.run(3 if quick else 9, 10.0, log))
    if "tuning" in steps:
        import tuning

        attempt("tuning", lambda: {"tuning": tuning.run(quick, log)})
    if "instructions" in steps:
        import instructions

        attempt("instructions", lambda: {"instructions": instructions.run()})
    if "parse" in steps:
        import parse_speed

        attempt("parse", lambda: {"parse_speed": parse_speed.run(quick, log)})
    if DOCKER_STEPS & set(steps) and not have_docker():
        log("== no Docker here: skipping the image, Python 3.13 and container steps")
    elif DOCKER_STEPS & set(steps):
        def image_step():
            nonlocal image, proxy_image
            found, image, proxy_image = step_image(args.image_tree)
            return found

        attempt("image", image_step)
        if image and "py313" in steps:
            attempt("py313", lambda: step_py313(image, quick))
    if "http" in steps:
        attempt("http", lambda: step_http(image, proxy_image, quick))
    for tag in {image, proxy_image} - {None, *FALLBACK_IMAGES}:  # the image step's own tags only
        subprocess.run(["docker", "image", "rm", tag], capture_output=True)

    results["load_after"] = os.getloadavg()
    results["seconds"] = time.monotonic() - started
    results["targets"] = targets.evaluate(results)
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    log("== targets")
    targets.print_table(results["targets"], log)
    report.write(results, doc)
    for name, error in results.get("errors", {}).items():
        log(f"== step {name} failed; see the report. {error.splitlines()[0][:200]}")
    log(f"== wrote {doc.relative_to(REPO)}, results in {(OUT / 'results.json').relative_to(REPO)} "
        f"({results['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
