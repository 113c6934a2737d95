"""A small HTTP load generator for the fault and soak tests: threads, each with its own
connection, sending a mix of requests and recording every outcome with its timing.

Not a benchmark tool (that is bench/, with wrk): it checks every response's status and,
where the mix says, its body, and it records exactly when each request started and
ended, so a test can tell which requests were in flight when it injected a fault.
"""

import http.client
import random
import struct
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Kind:
    """One kind of request in a mix, and what the service must answer."""

    name: str
    method: str
    path: str
    status: int
    body: bytes | None = None
    content_type: str | None = None
    expect: bytes | None = None   # the exact response body, when it is known


@dataclass
class Outcome:
    kind: str
    start: float
    end: float
    status: int | None    # None: no response (error says why)
    error: str | None
    ok: bool              # the expected status (and body, if given)
    reconnected: bool     # a kept-alive connection the server had closed was reopened first


@dataclass
class Load:
    """`concurrency` threads sending kinds drawn from `mix` until the block ends.

    keep_alive=False opens a connection per request, so a failure is always the
    request's own. With keep_alive=True a request that finds its idle connection
    closed by the server (a worker recycled or stopping) before any byte of an answer
    is retried once on a new connection, as HTTP clients do (RFC 9112, 9.3.1), and
    counted in `reconnects`."""

    port: int
    concurrency: int
    mix: list
    weights: list | None = None
    keep_alive: bool = True
    timeout: float = 30.0
    outcomes: list = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list = field(default_factory=list)

    def __enter__(self):
        for i in range(self.concurrency):
            thread = threading.Thread(target=self._run, args=(random.Random(i),), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 10)
        return False

    def _connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def _run(self, rng):
        conn, used = None, False
        while not self._stop.is_set():
            kind = rng.choices(self.mix, self.weights)[0]
            start = time.monotonic()
            reconnected = False
            if conn is None:
                conn, used = self._connect(), False
            try:
                try:
                    status, body = self._send(conn, kind)
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    if not (self.keep_alive and used):
                        raise
                    conn.close()   # the server closed it between requests: reopen, once
                    conn, reconnected = self._connect(), True
                    status, body = self._send(conn, kind)
                ok = status == kind.status and (kind.expect is None or body == kind.expect)
                outcome = Outcome(kind.name, start, time.monotonic(), status, None, ok, reconnected)
                used = True
            except (OSError, http.client.HTTPException) as exc:
                outcome = Outcome(kind.name, start, time.monotonic(), None,
                                  f"{type(exc).__name__}: {exc}", False, reconnected)
                conn.close()
                conn = None
            self.outcomes.append(outcome)   # list.append is atomic under the GIL
            if not self.keep_alive and conn is not None:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def _send(self, conn, kind):
        headers = {} if self.keep_alive else {"Connection": "close"}
        if kind.content_type:
            headers["Content-Type"] = kind.content_type
        conn.request(kind.method, kind.path, body=kind.body, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.will_close:
            conn.close()   # http.client reopens it on the next request
        return response.status, body

    # ---- summaries -------------------------------------------------------------

    def failures(self):
        return [o for o in self.outcomes if not o.ok]

    def socket_errors(self):
        return [o for o in self.outcomes if o.status is None]

    def reconnects(self):
        return sum(o.reconnected for o in self.outcomes)

    def statuses(self):
        counts = {}
        for o in self.outcomes:
            key = o.status if o.status is not None else "error"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def latency(self, quantile):
        times = sorted(o.end - o.start for o in self.outcomes)
        return times[min(len(times) - 1, int(quantile * len(times)))] if times else 0.0

    def slowest_around(self, moment, window=2.0):
        """The longest request in flight at `moment` or begun within `window` s after it:
        how long a fault injected then kept a client waiting (its failover time)."""
        return max((o.end - o.start for o in self.outcomes
                    if o.start <= moment + window and o.end >= moment), default=0.0)

    def summary(self):
        return (f"{len(self.outcomes)} requests, {len(self.failures())} failed, statuses "
                f"{self.statuses()}, p99 {self.latency(0.99) * 1000:.0f} ms")


def binary(a, b):
    """POST /dot's octet-stream body: a then b as little-endian float64."""
    return struct.pack(f"<{len(a) + len(b)}d", *a, *b)


def wait_until(predicate, timeout, interval=0.02):
    """Poll predicate until it is true; return the seconds it took, or None on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if predicate():
                return time.monotonic() - start
        except (TimeoutError, OSError, http.client.HTTPException):
            pass
        time.sleep(interval)
    return None


def status_of(port, path, timeout=2.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()
