"""The numbers the front proxy, gunicorn, Compose and the app share agree, read from each file.

Each number has one home (the app's limits in web/vecdot_web/settings.py, gunicorn's in
web/gunicorn.conf.py, the proxy's in deploy/proxy/haproxy.cfg); where another file must
match or exceed it, this test reads both, so they cannot drift apart silently.
"""

import re

import pytest
import yaml
from k8s_facts import REPO, app_settings, gunicorn

HAPROXY = (REPO / "deploy" / "proxy" / "haproxy.cfg").read_text()
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())


def presetenv(name):
    (value,) = re.findall(rf"^\s*presetenv {name} (\S+)$", HAPROXY, re.M)
    return value


def directive(name):
    """An HAProxy size or time directive, in bytes or seconds."""
    (value,) = re.findall(rf"^\s*{re.escape(name)} (\d+)(s|k)?$", HAPROXY, re.M)
    number, unit = value
    return int(number) * (1024 if unit == "k" else 1)


def seconds(compose_duration):
    return int(compose_duration.removesuffix("s"))


def test_the_proxy_refuses_bodies_over_the_apps_limit_and_no_smaller():
    assert int(presetenv("VECDOT_MAX_BODY_BYTES")) == app_settings({})["MAX_BODY_BYTES"]


def test_a_proxy_buffer_holds_the_longest_request_line_gunicorn_accepts():
    # Or the proxy would refuse (400) a query the app answers, or answers with its 413.
    assert directive("tune.bufsize") - directive("tune.maxrewrite") > gunicorn({})["limit_request_line"] + 4096


def test_the_proxy_waits_for_replicas_longer_than_gunicorn_lets_a_request_run():
    # gunicorn's worker timeout ends a hung request first, so the proxy never gives up on
    # (and replays) a request a replica is still working on.
    assert directive("timeout server") > gunicorn({})["timeout"]


def test_compose_gives_each_container_time_to_stop_gracefully():
    graceful = gunicorn({})["graceful_timeout"]
    assert seconds(COMPOSE["services"]["vecdot"]["stop_grace_period"]) > graceful
    # The proxy's graceful stop waits for requests in flight, which gunicorn bounds.
    assert seconds(COMPOSE["services"]["proxy"]["stop_grace_period"]) > graceful


@pytest.mark.parametrize("name", ["VECDOT_CLIENT_REQUESTS_PER_10S", "VECDOT_CLIENT_CONNECTIONS",
                                  "VECDOT_LARGE_BODY_BYTES", "VECDOT_LARGE_BODIES_PER_REPLICA",
                                  "VECDOT_LARGE_BODIES_QUEUED", "VECDOT_MAX_BODY_BYTES"])
def test_every_proxy_limit_has_a_default_compose_passes_on_and_the_readme_documents(name):
    assert int(presetenv(name)) > 0
    assert name in COMPOSE["services"]["proxy"]["environment"]
    assert f"`{name}`" in (REPO / "README.md").read_text()
