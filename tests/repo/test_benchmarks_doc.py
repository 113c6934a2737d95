"""docs/benchmarks.md: the generated block and the hand-written analysis speak of the same run.

`make bench` rewrites only the block between bench/report.py's two markers; the analysis
after it is written by hand from one run's figures and names that run. When a new run
replaces the block, the analysis still quotes the old figures: this fails until someone
reads the new tables and updates the analysis (and the run it names).
"""

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "benchmarks.md"
# How bench/report.py's machine section and the analysis both name a run.
RUN = re.compile(r"at commit ([0-9a-f]{7,40})(?: with uncommitted changes)?,\s+run started\s+"
                 r"(\d{4}-\d\d-\d\d\s+\d\d:\d\d UTC)")


def markers():
    """BEGIN and END as bench/report.py defines them (read, not imported: lint needs no extension)."""
    tree = ast.parse((REPO / "bench" / "report.py").read_text())
    found = {t.id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name) and t.id in ("BEGIN", "END")}
    return found["BEGIN"], found["END"]


def split(text):
    """(before the block, the block, after it); ValueError unless each marker appears once, in order."""
    begin, end = markers()
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise ValueError("docs/benchmarks.md needs bench/report.py's BEGIN and END markers once each, in order")
    head, rest = text.split(begin)
    block, tail = rest.split(end)
    return head, block, tail


def runs(text):
    return {(commit, " ".join(started.split())) for commit, started in RUN.findall(text)}


def check(text):
    """The problems of one version of docs/benchmarks.md, as readable lines."""
    try:
        head, block, tail = split(text)
    except ValueError as exc:
        return [str(exc)]
    measured, cited = runs(block), runs(head + tail)
    if len(measured) != 1:
        return [f"the generated block should name one run, names {sorted(measured)}"]
    if cited != measured:
        return [f"the hand-written text cites {sorted(cited) or 'no run'}, the block holds {sorted(measured)}: "
                "read the new tables and update 'What the numbers say' and the run it names"]
    return []


def test_analysis_cites_the_run_in_the_generated_block():
    assert check(DOC.read_text()) == []


GOOD_BLOCK = "- `make bench` at commit 1d9d8dc, run started 2026-11-22 08:31 UTC, took 5.8 min\n"


@pytest.mark.parametrize("why, text", [
    ("no markers: make bench would not know what to replace", "# Benchmarks\n" + GOOD_BLOCK),
    ("the analysis read an older run", "{begin}\n" + GOOD_BLOCK + "{end}\n"
     "Read from `make bench` at commit 0123abc, run started 2026-11-01 10:00 UTC.\n"),
    ("the analysis names no run", "{begin}\n" + GOOD_BLOCK + "{end}\nnumpy is ahead.\n"),
])
def test_the_check_catches_a_stale_or_unanchored_analysis(why, text):
    begin, end = markers()
    assert check(text.format(begin=begin, end=end)), why


def test_the_check_accepts_an_analysis_of_the_blocks_run():
    begin, end = markers()
    text = (f"{begin}\n{GOOD_BLOCK}{end}\nRead from the run above: `make bench` at commit 1d9d8dc, run "
            "started\n2026-11-22 08:31 UTC.\n")
    assert check(text) == []
