"""A real gunicorn for the web tests: web/gunicorn.conf.py on a free loopback port, always killed.

`start` waits (bounded) until /healthz answers and returns a Gunicorn; `stop` kills its
whole process group, workers included, pass or fail.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
CONFIG = WEB_DIR / "gunicorn.conf.py"
START_TIMEOUT = 30  # seconds; bounds every wait so a broken server fails, not hangs


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int
    log: Path

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=START_TIMEOUT)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def start(workdir, **env_overrides):
    """gunicorn with the committed defaults (whatever the shell sets) plus env_overrides."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "VECDOT_", "PROMETHEUS_"))}
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", **env_overrides)
    log = Path(workdir) / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(CONFIG)],
            cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group, so stop() reaches the workers too
    server = Gunicorn(process, port, log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"gunicorn did not become healthy:\n{log.read_text()}")
        time.sleep(0.1)
