"""What prometheus_client's multiprocess mode costs as workers come and go: files, tmpfs, scrape time.

    .venv/bin/python bench/metrics_files.py

Each gunicorn worker writes its samples to files named by its pid, and those files stay
after it exits (its counts belong in the totals), so every recycle by max_requests
leaves files behind that every later scrape reads. This forks short-lived "workers"
that each record what one vecdot worker records (every series of
web/vecdot_web/metrics.py, a few label sets), marks each dead as gunicorn.conf.py's
child_exit does, and prints, after 2, 20, 200 and 1000 worker lifetimes, the files, the
tmpfs they occupy and the best of five full scrapes. web/gunicorn.conf.py sizes
max_requests from these figures.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Multiprocess mode is chosen when prometheus_client is imported: set the directory first.
DIRECTORY = tempfile.mkdtemp(prefix="vecdot-metrics-bench-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = DIRECTORY
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

from prometheus_client import CollectorRegistry, generate_latest, multiprocess  # noqa: E402
from vecdot_web import metrics  # noqa: E402

LABELS = (("/", "200"), ("/dot", "200"), ("/dot", "400"), ("/healthz", "200"), ("unmatched", "404"))


def one_worker():
    for route, status in LABELS:
        metrics.REQUESTS.labels("GET", route, status).inc()
        metrics.DURATION.labels("GET", route).observe(0.001)
    metrics.VECTOR_LENGTH.observe(10)
    metrics.KERNEL_SECONDS.observe(1e-5)
    metrics.IN_FLIGHT.inc()


def scrape_seconds():
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        generate_latest(registry)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    lifetimes = 0
    try:
        for target in (2, 20, 200, 1000):
            while lifetimes < target:
                pid = os.fork()
                if pid == 0:
                    one_worker()
                    os._exit(0)
                os.waitpid(pid, 0)
                multiprocess.mark_process_dead(pid)
                lifetimes += 1
            files = os.listdir(DIRECTORY)
            kib = subprocess.run(["du", "-sk", DIRECTORY], capture_output=True, text=True).stdout.split()[0]
            print(f"{target:5} worker lifetimes: {len(files):5} files, {kib:>6} KiB of tmpfs, "
                  f"scrape {scrape_seconds() * 1e3:6.1f} ms")
    finally:
        subprocess.run(["rm", "-rf", DIRECTORY], check=False)


if __name__ == "__main__":
    main()
