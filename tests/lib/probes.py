"""Observing which path a call to the C extension took, for tests named after one.

Each probe watches something the path does and the other paths do not:

- peak_bytes: the memory Python's allocators held during the call (tracemalloc
  sees vecdot's converted vectors, which are PyMem blocks).
- calls_without_the_gil: how often another Python thread ran while the call was
  inside C, which it can only do if the call released the GIL.
- helper_threads_started: the threads a fresh interpreter gained from one call,
  which are the pool's helpers (lib/c/pool.c starts them on first use).
"""

import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc


def peak_bytes(call):
    """The most memory Python's allocators held during call(), beyond before it."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def calls_without_the_gil(function, *args, calls=200, **kwargs):
    """Of `calls` calls function(*args, **kwargs), how many let another Python
    thread run while the call was inside the C function.

    A profile hook marks the C call's start and end (c_call, c_return) on this
    thread. A watcher thread looks at the mark whenever it holds the GIL and
    gives the GIL back at once (sleep(0)); with the switch interval at 1000 s
    nothing else forces this thread to give the GIL up, so the watcher can
    only see "inside" if the C function released the GIL itself. A call that
    holds the GIL is therefore never counted; one that releases it is counted
    when the watcher wakes before the call ends, so count over many calls.
    """
    mark = ["outside"]
    seen = [0]
    done = threading.Event()

    def profile(frame, event, arg):
        if arg is function:
            mark[0] = "inside" if event == "c_call" else "outside"

    def watch():
        while not done.is_set():
            if mark[0] == "inside":
                seen[0] += 1
                mark[0] = "counted"
            time.sleep(0)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(calls):
            sys.setprofile(profile)
            try:
                function(*args, **kwargs)
            finally:
                sys.setprofile(None)
    finally:
        done.set()
        watcher.join()
        sys.setswitchinterval(interval)
    return seen[0]


def helper_threads_started(setup, call):
    """The threads a fresh interpreter has after running `call` once, less those
    it had after `setup` (Linux: /proc/self/task lists a process's threads)."""
    code = textwrap.dedent(f"""
        import os
        {setup}
        before = len(os.listdir("/proc/self/task"))
        {call}
        print(len(os.listdir("/proc/self/task")) - before)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return int(result.stdout)
