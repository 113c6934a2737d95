"""The benchmark harness (bench/): it builds images under tags of its own, and judges the proxy's target.

No Docker and no extension needed: the image step's build is a stand-in script that
records the tags it was given, and the target is judged from hand-made results.
"""

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import image  # noqa: E402
import targets  # noqa: E402


def test_image_step_leaves_make_images_tags_alone(tmp_path, monkeypatch):
    # scripts/docker-build.sh builds every image it names, each under ${VAR:-make image's tag};
    # tests and `make up` run those tags, so the benchmark must set every VAR to a tag of its own.
    defaults = dict(re.findall(r"\$\{(VECDOT_\w*IMAGE):-([^}]+)\}", (REPO / "scripts" / "docker-build.sh").read_text()))
    assert set(defaults) == {"VECDOT_IMAGE", "VECDOT_PROXY_IMAGE"}, defaults
    for name in defaults:
        monkeypatch.delenv(name, raising=False)
    script = tmp_path / "scripts" / "docker-build.sh"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\nenv > \"$(dirname \"$0\")/env.txt\"\n")
    script.chmod(0o755)
    monkeypatch.setattr(image, "OUT", tmp_path)
    monkeypatch.setattr(image, "REPO", tmp_path)  # the log's path is printed relative to it

    image.build(tmp_path, image.IMAGE, "build.log", print)

    seen = dict(line.split("=", 1) for line in (tmp_path / "scripts" / "env.txt").read_text().splitlines()
                if "=" in line)
    for name, default in defaults.items():
        assert seen.get(name, default) != default, f"the image step builds {name} as {default}, make image's tag"


def endpoint(req_per_s, errors=0, haproxy_us=None):
    cpu = {"gunicorn": 500.0} if haproxy_us is None else {"gunicorn": 500.0, "haproxy": haproxy_us}
    return {"req_per_s": req_per_s, "cpu_us": sum(cpu.values()), "cpu_us_by_program": cpu, "errors": errors}


def rows(proxied_root, proxied_dot, errors=0):
    """Target 11's rows for a direct container at 1000 req/s and the proxy in front of it."""
    http = {"container": {"get_root": endpoint(1000.0), "get_dot_3": endpoint(1000.0)},
            "through the proxy": {"get_root": endpoint(proxied_root, errors, 100.0),
                                  "get_dot_3": endpoint(proxied_dot, 0, 100.0)}}
    return targets.target11(http, {"proxy": {"direct": "container", "proxied": "through the proxy"}})


@pytest.mark.parametrize("proxied_root, proxied_dot, errors, verdicts", [
    # 80% of the direct container's req/s is enough, for each small request on its own
    (800.0, 950.0, 0, {"11a": True, "11b": True}),
    (799.0, 950.0, 0, {"11a": False, "11b": True}),
    (950.0, 700.0, 0, {"11a": True, "11b": False}),
    # a fast error page is not a request served: any wrk error fails the row
    (950.0, 950.0, 3, {"11a": False, "11b": True}),
])
def test_proxy_target_is_its_share_of_the_direct_req_per_s(proxied_root, proxied_dot, errors, verdicts):
    assert {row["id"]: row["passed"] for row in rows(proxied_root, proxied_dot, errors)} == verdicts


def test_proxy_target_without_the_pair_is_not_measured():
    # no Docker or no Compose: neither a PASS nor a FAIL
    assert [row["passed"] for row in targets.target11({}, {})] == [None]


def test_proxy_target_names_which_direct_it_compares_against_and_the_proxys_cpu():
    row = rows(900.0, 900.0)[0]
    assert "the same image run directly" in row["target"]
    assert "HAProxy 100" in row["measured"]
