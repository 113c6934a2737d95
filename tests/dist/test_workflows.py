"""The GitHub workflows (.github/workflows) are valid, pinned, and publish without a token.

They cannot run here (no GitHub), so what can be checked offline is: each file against
GitHub's workflow schema (check-jsonschema's vendored copy), each action pinned to a
full commit SHA, and the release's trust settings.
"""

import re
import subprocess

import pytest
import yaml
from dist_env import BIN, REPO

WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))
# owner/repo[/path]@<40 hex>  # vX.Y.Z : a tag can be moved to other code, a commit cannot.
PINNED = re.compile(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}")


def check_jsonschema(*paths):
    return subprocess.run([BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *paths],
                          capture_output=True, text=True, timeout=120)


def steps(workflow):
    for job in yaml.safe_load(workflow.read_text())["jobs"].values():
        yield from job.get("steps", [])


def test_the_three_workflows_exist():
    assert [w.name for w in WORKFLOWS] == ["ci.yml", "image.yml", "wheels.yml"]


def test_workflows_match_githubs_schema():
    result = check_jsonschema(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path):
    # Not a check configured to pass everything: a job without runs-on is refused.
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    steps:\n      - run: make test\n")
    assert check_jsonschema(broken).returncode != 0


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_every_action_is_pinned_to_a_commit_with_its_tag_named(workflow):
    uses = [line.strip() for line in workflow.read_text().splitlines() if re.match(r"\s*(- )?uses:", line)]
    assert uses, "no actions found: the pattern no longer matches the file"
    for line in uses:
        action, _, comment = line.split("uses:", 1)[1].partition("#")
        assert PINNED.fullmatch(action.strip()), line
        assert re.fullmatch(r"v\d+(\.\d+)*", comment.strip()), f"no tag named after the SHA: {line}"


def test_one_action_is_pinned_to_one_commit_everywhere():
    seen = {}
    for workflow in WORKFLOWS:
        for step in steps(workflow):
            if "uses" in step:
                name, sha = step["uses"].split("@")
                assert seen.setdefault(name, sha) == sha, f"{name} pinned to two commits"


def test_pypi_upload_uses_trusted_publishing_and_no_token():
    workflow = yaml.safe_load((REPO / ".github/workflows/wheels.yml").read_text())
    publish = workflow["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["if"].endswith("startsWith(github.ref, 'refs/tags/v')")
    (upload,) = [s for s in publish["steps"] if s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")]
    assert "with" not in upload  # no password, no token: PyPI trusts the workflow's OIDC identity
    # The only secret any workflow reads is the one GitHub makes for each run.
    text = "".join(w.read_text() for w in WORKFLOWS)
    assert set(re.findall(r"\$\{\{\s*secrets\.(\w+)", text)) == {"GITHUB_TOKEN"}
