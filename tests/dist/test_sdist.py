"""The sdist holds every source file of lib/ and nothing built; its metadata is whole.

What pip needs to build vecdot anywhere is in the sdist: every C source and header,
the package, its stub and py.typed. The wheels themselves are built from the unpacked
sdist (conftest.py), and test_install.py runs the library tests on them.
"""

import ast
import email
import subprocess
import tarfile

import pytest
from dist_env import REPO
from packaging.version import Version

# What setuptools adds to an sdist by itself: the metadata and its egg-info.
GENERATED = {"PKG-INFO", "setup.cfg"}


def tracked_under_lib():
    out = subprocess.run(["git", "ls-files", "-z", "lib"], cwd=REPO, capture_output=True, check=True).stdout
    return {p.removeprefix("lib/") for p in out.decode().split("\0") if p}


def sdist_files(dist):
    with tarfile.open(dist.sdist) as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
    top = f"{dist.sdist.name.removesuffix('.tar.gz')}/"
    assert all(n.startswith(top) for n in names)
    return {n.removeprefix(top) for n in names}


def pkg_info(dist):
    with tarfile.open(dist.sdist) as archive:
        top = dist.sdist.name.removesuffix(".tar.gz")
        return email.message_from_string(archive.extractfile(f"{top}/PKG-INFO").read().decode())


def version_in_source():
    """vecdot.__version__, read as setuptools reads it: from the assignment, not by import."""
    tree = ast.parse((REPO / "lib/vecdot/__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["__version__"]:
            return node.value.value
    pytest.fail("lib/vecdot/__init__.py assigns no __version__")


def test_sdist_holds_every_file_tracked_under_lib(dist):
    files = sdist_files(dist)
    missing = tracked_under_lib() - files
    assert not missing, f"not in the sdist: {sorted(missing)}"


def test_sdist_holds_every_c_source_header_and_the_typing_files(dist):
    # Spelled out as well, so that the rule above cannot pass by an empty git listing.
    files = sdist_files(dist)
    sources = {f"c/{p.name}" for p in (REPO / "lib/c").iterdir() if p.suffix in (".c", ".h")}
    assert len(sources) >= 10 and sources <= files
    assert {"vecdot/py.typed", "vecdot/_vecdot.pyi", "vecdot/__init__.py", "vecdot/_native.py"} <= files


def test_sdist_holds_nothing_built_or_untracked(dist):
    extra = {f for f in sdist_files(dist) - tracked_under_lib() - GENERATED if not f.startswith("vecdot.egg-info/")}
    assert not extra, f"in the sdist but not in git: {sorted(extra)}"


def test_version_is_written_once_in_the_package(dist):
    version = version_in_source()
    assert pkg_info(dist)["Version"] == version
    assert dist.sdist.name == f"vecdot-{version}.tar.gz"
    assert dist.abi3.name.startswith(f"vecdot-{version}-") and dist.full.name.startswith(f"vecdot-{version}-")


def test_metadata_names_the_licence_the_python_floor_and_a_markdown_readme(dist):
    info = pkg_info(dist)
    assert Version(info["Metadata-Version"]) >= Version("2.4")  # PEP 639: License-Expression
    assert info["License-Expression"] == "MIT"
    assert info["Requires-Python"] == ">=3.11"
    assert info["Description-Content-Type"] == "text/markdown"
    # The index page shows lib/README.md as it is.
    assert info.get_payload().strip() == (REPO / "lib/README.md").read_text().strip()


def test_readme_has_no_relative_link_that_would_break_on_the_index_page():
    # An index shows the readme away from the repository: a link ](../README.md) leads nowhere.
    text = (REPO / "lib/README.md").read_text()
    links = [part.split(")")[0] for part in text.split("](")[1:]]
    assert all(link.startswith("https://") for link in links), links
