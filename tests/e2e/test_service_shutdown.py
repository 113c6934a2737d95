"""Stopping the container: gunicorn gets SIGTERM and exits cleanly within the grace period.

This module has its own Compose project (the module-scoped `service` fixture), since
the test ends it.
"""

import time

import pytest
from conftest import inspect, run

pytestmark = pytest.mark.timeout(1800)  # the first test also waits for the image build


def test_sigterm_stops_gunicorn_cleanly_within_the_grace_period(service):
    assert service.get("/healthz").status == 200
    # stop_grace_period from docker-compose.yml, which `docker stop` honours: it sends
    # SIGTERM (to docker-init, which passes it to gunicorn), then SIGKILL after this long.
    grace = int(inspect(service.container, "{{.Config.StopTimeout}}"))
    start = time.monotonic()
    run(["docker", "stop", service.container], timeout=grace + 30)
    elapsed = time.monotonic() - start

    exit_code = int(inspect(service.container, "{{.State.ExitCode}}"))
    logs = service.logs()
    output = logs.stdout + logs.stderr
    print(f"e2e: stopped in {elapsed:.2f} s (grace {grace} s), exit code {exit_code}")
    assert exit_code == 0, output  # 137 would mean SIGKILL: the grace period ran out
    assert elapsed < grace
    assert "Handling signal: term" in output
    assert "Shutting down: Master" in output
    # `restart: unless-stopped` must not bring back a container that was stopped on purpose.
    time.sleep(1)
    assert inspect(service.container, "{{.State.Status}}") == "exited"
