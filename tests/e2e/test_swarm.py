"""vecdot on Docker Swarm (deploy/swarm/stack.yml), under load through the proxy: a rolling
update, a broken image that rolls itself back, a killed task and scaling, each with no
failed request.

The stack is deployed once for the module by `scripts/swarm.sh up` (`make swarm-up`),
under a stack name and port of its own, and removed by `scripts/swarm.sh down`, pass or
fail, which also leaves the swarm when `up` created it. Every wait is bounded.
"""

import json
import os
import subprocess
import time

import pytest
from conftest import REPO, dot_requests, free_port, run
from loadgen import Kind, Load, wait_until

pytestmark = pytest.mark.timeout(1800)  # the first test also waits for the image build

CONCURRENCY = 16
MIX = [
    Kind("dot query", "GET", "/dot?a=1,2,3&b=4,5,6", 200, expect=b'{"result":32.0,"n":3}'),
    Kind("dot json", "POST", "/dot", 200, body=b'{"a": [1, 2], "b": [3, 4]}',
         content_type="application/json", expect=b'{"result":11.0,"n":2}'),
    Kind("hello", "GET", "/?name=swarm", 200),
]
UPDATE_TIMEOUT = 300


class Stack:
    def __init__(self, name, port, env):
        self.name, self.port, self.env = name, port, env
        self.service = f"{name}_vecdot"

    def tasks(self):
        """The service's running task containers on this node."""
        return run(["docker", "ps", "-q", "--filter", f"label=com.docker.swarm.service.name={self.service}",
                    "--filter", "status=running"], timeout=30).stdout.split()

    def update_state(self):
        text = run(["docker", "service", "inspect", "-f", "{{json .UpdateStatus}}", self.service], timeout=30).stdout
        status = json.loads(text) or {}
        return status.get("State")

    def update(self, *args):
        """`docker service update` and wait for it; it exits 0 even after a rollback."""
        start = time.monotonic()
        run(["docker", "service", "update", "--detach=false", "--quiet", *args, self.service],
            timeout=UPDATE_TIMEOUT, check=False)
        return time.monotonic() - start


@pytest.fixture(scope="module")
def stack(image, request):
    name = f"vecdot-e2e-{os.getpid()}"
    port = free_port()
    env = {**os.environ, "VECDOT_STACK": name, "VECDOT_PORT": str(port), "REPLICAS": "2",
           "VECDOT_UP_TIMEOUT": "180",
           # All load comes from this host, one address to the proxy: its per-address
           # rate is lifted, as in the Compose fault tests; the limits are not tested here.
           "VECDOT_CLIENT_REQUESTS_PER_10S": "100000000"}
    script = str(REPO / "scripts" / "swarm.sh")
    request.addfinalizer(lambda: run([script, "down"], timeout=300, env=env, check=False))
    up = subprocess.run([script, "up"], capture_output=True, text=True, timeout=400, env=env)
    print(up.stderr)
    if up.returncode != 0:
        pytest.fail(f"scripts/swarm.sh up exited {up.returncode}\n{up.stdout}\n{up.stderr}")
    return Stack(name, port, env)


def report(name, load, extra=""):
    print(f"e2e swarm: {name}: {load.summary()}{extra}")


def test_a_rolling_update_under_load_fails_nothing(stack):
    before = set(stack.tasks())
    with Load(stack.port, CONCURRENCY, MIX) as load:
        time.sleep(2)
        took = stack.update("--force")
        time.sleep(2)
    report("rolling update (--force)", load, f"; took {took:.1f} s")
    assert stack.update_state() == "completed"
    assert not load.failures(), load.failures()[:3]
    assert not set(stack.tasks()) & before  # every task replaced


def test_a_broken_image_rolls_back_on_its_own(stack, image, request):
    broken = "vecdot:e2e-broken"
    request.addfinalizer(lambda: run(["docker", "image", "rm", "-f", broken], timeout=60, check=False))
    # The same image whose health check never passes: what a bad release looks like to Swarm.
    dockerfile = f'FROM {image}\nHEALTHCHECK --interval=1s --timeout=1s --retries=2 CMD ["false"]\n'
    subprocess.run(["docker", "build", "-q", "-t", broken, "-"], input=dockerfile, text=True,
                   capture_output=True, timeout=120, check=True)
    before = set(stack.tasks())
    with Load(stack.port, CONCURRENCY, MIX) as load:
        time.sleep(2)
        took = stack.update("--image", broken)
        time.sleep(2)
    state = stack.update_state()
    report("update to an image that never gets healthy", load, f"; ended '{state}' after {took:.1f} s")
    assert state == "rollback_completed"
    assert not load.failures(), load.failures()[:3]
    image_now = run(["docker", "service", "inspect", "-f", "{{.Spec.TaskTemplate.ContainerSpec.Image}}",
                     stack.service], timeout=30).stdout.strip()
    assert image_now.startswith(image)
    assert set(stack.tasks()) == before  # start-first: the old tasks never stopped


def test_a_killed_task_costs_no_request_and_is_replaced(stack):
    victim = stack.tasks()[0]
    with Load(stack.port, CONCURRENCY, MIX) as load:
        time.sleep(2)
        killed_at = time.monotonic()
        run(["docker", "kill", victim], timeout=30)
        replaced = wait_until(lambda: len(stack.tasks()) == 2 and victim not in stack.tasks(),
                              timeout=120, interval=0.5)
        time.sleep(2)
    failover = load.slowest_around(killed_at)
    report("a task killed", load, f"; replaced after {replaced} s; failover {failover * 1000:.0f} ms")
    assert not load.failures(), load.failures()[:3]
    assert replaced is not None




def test_scaling_up_and_down_under_load_fails_nothing(stack):
    # Two tasks, as deployed (a task replaced by the test before may still be starting).
    assert wait_until(lambda: len(stack.tasks()) == 2, timeout=120, interval=0.5) is not None
    with Load(stack.port, CONCURRENCY, MIX) as load:
        time.sleep(2)
        before = set(stack.tasks())
        run(["docker", "service", "scale", "--detach=false", f"{stack.service}=3"], timeout=UPDATE_TIMEOUT)
        added = set(stack.tasks()) - before
        time.sleep(5)  # DNS (tasks.vecdot) and the proxy's resolver hold
        served = sum(dot_requests(c) for c in added)
        run(["docker", "service", "scale", "--detach=false", f"{stack.service}=2"], timeout=UPDATE_TIMEOUT)
        time.sleep(3)
    report("scale 2 -> 3 -> 2", load, f"; the added task answered {served:.0f} GET /dot")
    assert len(added) == 1 and served > 0
    assert not load.failures(), load.failures()[:3]
