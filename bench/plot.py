"""docs/benchmarks.png: time per call against n for every contender, and GB/s against the ceiling.

    python bench/plot.py bench/out/results.json docs/benchmarks.png
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")  # files only: no display on a build machine
import matplotlib.pyplot as plt  # noqa: E402

# contender: (colour, line style); vecdot in strong colours, the others muted.
STYLE = {
    "vecdot": ("#d62728", "-"), "vecdot_1t": ("#d62728", ":"), "vecdot_acc": ("#ff7f0e", "-"),
    "vecdot_list": ("#9467bd", "-"), "vecdot_list_acc": ("#9467bd", "--"),
    "numpy": ("#1f77b4", "-"), "numpy_list": ("#1f77b4", "--"),
    "ctypes": ("#17becf", "-"), "cython_buf": ("#2ca02c", "-"), "cython_list": ("#2ca02c", "--"),
    "py_zip": ("#7f7f7f", "--"), "py_map": ("#7f7f7f", "-"), "sumprod": ("#8c564b", "-"),
    "noop": ("#000000", ":"),
}


def series(micro, name):
    points = sorted((int(n), row[name]["ns"]) for n, row in micro["sizes"].items() if name in row)
    return [p[0] for p in points], [p[1] for p in points]


def plot(results, path):
    micro = results["micro"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 6.5))

    for name, label in micro["contenders"].items():
        xs, ys = series(micro, name)
        if not xs:
            continue
        colour, style = STYLE.get(name, ("#333333", "-"))
        if name == "noop":  # the same at every n: a floor, drawn across
            left.axhline(ys[0], color=colour, linestyle=style, linewidth=1, label=label)
            continue
        left.plot(xs, ys, style, color=colour, marker="o", markersize=3, label=label)
    if results.get("micro313") and "sumprod" in results["micro313"]["contenders"]:
        xs, ys = series(results["micro313"], "sumprod")
        colour, style = STYLE["sumprod"]
        left.plot(xs, ys, style, color=colour, marker="s", markersize=3,
                  label="math.sumprod, lists (Python 3.13, image)")
    left.set(xscale="log", yscale="log", xlabel="n (float64 pairs)", ylabel="ns per call (median)",
             title=f"Time per call, Python {micro['python']} (lower is better)")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=7, loc="upper left")

    for name in ("vecdot", "vecdot_1t", "numpy", "ctypes", "cython_buf", "vecdot_acc"):
        xs, ys = series(micro, name)
        if xs:
            colour, style = STYLE[name]
            right.plot(xs, [16 * n / ns for n, ns in zip(xs, ys, strict=True)], style, color=colour, marker="o",
                       markersize=3, label=micro["contenders"][name])
    ceiling = micro.get("ceiling", {})
    for threads, style in (("1", "-"), ("2", "--")):
        pts = sorted((int(n), c[threads]) for n, c in ceiling.items() if threads in c)
        if pts:
            right.plot([p[0] for p in pts], [p[1] for p in pts], style, color="black", linewidth=2,
                       label=f"ceiling: C streaming read, {threads} thread{'s' if threads != '1' else ''}")
    right.set(xscale="log", yscale="log", xlabel="n (float64 pairs)", ylabel="GB/s (16n bytes read per call)",
              title="Bandwidth against the measured read ceiling (higher is better)")
    right.set_xlim(left=5000)
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=7)

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    plot(json.loads(open(sys.argv[1]).read()), sys.argv[2])
