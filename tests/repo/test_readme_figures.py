"""README.md quotes no performance figure: figures live in docs/benchmarks.md, which the README links.

A figure quoted in two places drifts: the README once gave two lists of 1000 floats as
10.9 µs and 10.4 µs, and the time to healthy as about 2 s and 2.5 s. Here a performance
figure is a number with a unit of time (ns, µs, ms, s), of throughput (GB/s, MB/s, req/s),
a size in decimal units (KB, MB, GB: how the benchmarks report measured sizes; limits
are written in KiB and MiB), or a ratio (3.9x, 3.9 times, 12%). Settings are numbers with
units too: SETTINGS names each one the README states, the words beside it, and the file
that sets it, which must hold that value.
"""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

FIGURE = re.compile(
    r"(?<![\w.^])\d[\d,]*(?:\.\d+)?"  # a number, not the tail of a word, version or power
    r"(?:\s?(?:ns|µs|us|ms|s|seconds|GB/s|MB/s|req/s|KB|kB|MB|GB|times|%)|[x×])"  # and its unit
    r"(?![\w/^])"  # not the start of a longer word (10^-14, 'x86', 'MB/s' taken whole)
)

# (figure, words on the same line, file that sets it, what that file must contain)
SETTINGS = [
    ("15 s", "stop grace period", "docker-compose.yml", r"stop_grace_period: 15s"),
    ("0.1 ms", "poll", "lib/c/pool.h", r"#define VD_POOL_SPIN_NS 100000\b"),
    ("25 s", "libFuzzer", "Makefile", r"scripts/fuzz.sh 25\b"),
    ("20 s", "soak", "tests/e2e/test_soak.py", r'"VECDOT_SOAK_SECONDS", "20"'),
]


def is_setting(figure, line):
    return any(figure == f and words in line for f, words, _, _ in SETTINGS)


def figures(text):
    """[(line number, figure)] of every performance figure that is not a listed setting."""
    return [(n, m.group()) for n, line in enumerate(text.splitlines(), 1)
            for m in FIGURE.finditer(line) if not is_setting(m.group(), line)]


def test_readme_quotes_no_performance_figure():
    found = figures((REPO / "README.md").read_text())
    assert not found, ("README.md quotes figures; link the section of docs/benchmarks.md instead:\n"
                       + "\n".join(f"  line {n}: {figure}" for n, figure in found))


@pytest.mark.parametrize("figure, words, path, pattern", SETTINGS)
def test_each_setting_the_readme_states_is_the_value_in_force(figure, words, path, pattern):
    readme = (REPO / "README.md").read_text()
    assert any(figure in line and words in line for line in readme.splitlines()), \
        f"README.md no longer says {figure!r} beside {words!r}: drop it from SETTINGS"
    assert re.search(pattern, (REPO / path).read_text()), f"{path} no longer sets {figure} ({pattern})"


@pytest.mark.parametrize("line, expected", [
    # Figures, as the README once quoted them.
    ("a pair of 1000-element lists took 10.9 µs with the abi3 build", ["10.9 µs"]),
    ("| float64 buffers, n = 1e7, one thread | 23.4 GB/s |", ["23.4 GB/s"]),
    ("| `POST /dot`, 1e5 elements | 730 vs 44 req/s (16.7x) |", ["44 req/s", "16.7x"]),
    ("reports healthy about 2 s after start; rebuild 23.3 s", ["2 s", "23.3 s"]),
    ("The runtime image is 121 MB", ["121 MB"]),
    ("3.9 times as long; within 12%", ["3.9 times", "12%"]),
    # Not figures: versions, powers, limits in binary units, an error bound, names.
    ("Python 3.11+, Docker 23 or later, gunicorn 27.0.1", []),
    ("below 2^14 elements; 16 MiB; 64 KiB; 1 KiB above it", []),
    ("about 7.1×10⁻¹⁴ of the sum; linux_x86_64; 2 workers x 8 threads", []),
    # A setting, beside its words.
    ("(Compose's stop grace period is 15 s)", []),
])
def test_the_check_tells_figures_from_other_numbers(line, expected):
    assert [f for _, f in figures(line)] == expected
