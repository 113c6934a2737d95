"""docs/benchmarks.md from one run's results (bench/out/results.json).

Every figure in the report comes from that one run; the prose around the tables says
how each was measured and what explains it, and the commands reproduce each figure.
Regenerate without rerunning: python bench/report.py bench/out/results.json docs/benchmarks.md
"""

import json
import sys

from analysis import analysis
from http_load import ENDPOINTS

LIST_ORDER = ["noop", "vecdot_list", "vecdot_list_acc", "cython_list", "py_map", "py_zip",
              "numpy_list", "sumprod"]
BUFFER_ORDER = ["vecdot", "vecdot_1t", "vecdot_acc", "ctypes", "numpy", "cython_buf"]


def fmt_ns(ns):
    if ns is None:
        return ""
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns / 1e6:.1f} ms"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def times_table(micro, order, base):
    """ns per call by n; each cell also shows how many times slower than `base` it is."""
    names = [k for k in order if k in micro["contenders"]]
    rows = []
    for n, row in sorted(micro["sizes"].items(), key=lambda kv: int(kv[0])):
        if not any(k in row for k in names):
            continue
        cells = [f"{int(n):,}"]
        for k in names:
            if k not in row:
                cells.append("")
                continue
            cell = fmt_ns(row[k]["ns"])
            if base in row and k not in (base, "noop"):  # the no-op is a floor, not a contender
                cell += f" ({row[k]['ns'] / row[base]['ns']:.1f}x)"
            cells.append(cell)
        rows.append(cells)
    return table(["n"] + [f"`{k}`" for k in names], rows), names


def legend(micro, names):
    return "\n".join(f"- `{k}`: {micro['contenders'][k]}" for k in names)


def bandwidth_table(micro):
    names = [k for k in ("vecdot", "vecdot_1t", "ctypes", "numpy", "cython_buf", "vecdot_acc")
             if k in micro["contenders"]]
    rows = []
    for n, row in sorted(micro["sizes"].items(), key=lambda kv: int(kv[0])):
        if int(n) < 10_000 or n not in micro.get("ceiling", {}):
            continue
        ceiling = micro["ceiling"][n]
        cells = [f"{int(n):,}", f"{16 * int(n) / 1e6:g} MB"]
        cells += [f"{ceiling[t]:.1f}" for t in sorted(ceiling)]
        for k in names:
            if k in row:
                gbs = 16 * int(n) / row[k]["ns"]
                cells.append(f"{gbs:.1f} ({gbs / ceiling['1']:.0%})")
            else:
                cells.append("")
        rows.append(cells)
    threads = sorted(next(iter(micro["ceiling"].values()), {}))
    header = ["n", "bytes read"] + [f"ceiling {t}T" for t in threads] + [f"`{k}`" for k in names]
    return table(header, rows)


def targets_section(results):
    rows = [[{True: "**PASS**", False: "**FAIL**", None: "n/a"}[r["passed"]], r["id"], r["target"],
             r["measured"]] for r in results["targets"]]
    return table(["", "#", "target (issue 5)", "measured in this run"], rows)


def machine_section(results):
    m = results["machine"]
    before, after = results["load_before"], results["load_after"]
    return "\n".join([
        f"- CPU: {m['cpu']}, {m['cpus']} vCPUs ({m['threads_per_core']} thread per core), "
        f"{m['hypervisor'] or 'bare metal'} guest; SIMD used: {', '.join(m['simd'])}",
        f"- caches: L1d {m['caches']['L1d cache']}, L2 {m['caches']['L2 cache']}, "
        f"L3 {m['caches']['L3 cache']} (as the hypervisor reports them); memory {m['memory_gib']} GiB",
        f"- Linux {m['kernel']}, {m['gcc']}, {m['wrk']}, Docker {m['docker'] or 'none'}",
        f"- host Python {m['python']} (.venv, numpy {results.get('micro', {}).get('numpy')} with its "
        f"bundled OpenBLAS), image Python {results.get('micro313', {}).get('python', 'n/a')}",
        f"- VECDOT_NUM_THREADS={m['vecdot_num_threads'] or 'unset (vecdot uses every CPU)'}, "
        f"OPENBLAS_NUM_THREADS={m['openblas_num_threads'] or 'unset (OpenBLAS uses every CPU)'}",
        f"- commit {m['commit']}{' with uncommitted changes' if m['dirty'] else ''}, "
        f"run started {results['started']}, took {results['seconds'] / 60:.1f} min",
        f"- load average (1, 5, 15 min): {before[0]:.2f} {before[1]:.2f} {before[2]:.2f} before, "
        f"{after[0]:.2f} {after[1]:.2f} {after[2]:.2f} after. Other work on this 2-core machine "
        "shows up as noise; the `spread` column of bench/out/results.json has each figure's "
        "half interquartile range over its rounds.",
    ])


def py313_section(results):
    m = results.get("micro313")
    if not m:
        return "_Not measured in this run (no Docker)._"
    t, names = times_table(m, LIST_ORDER + ["vecdot", "vecdot_acc"], "vecdot_list_acc")
    r = results.get("rounding")
    rounding = ""
    if r:
        rows = []
        for family, f in r["families"].items():
            w = f["wrong"]
            rows.append([family, f"{f['max_condition']:.0e}", w["vecdot accurate"], w["sumprod"],
                         w["vecdot fast"]])
        rounding = (
            f"\n\nCorrect rounding: {r['cases']} ill-conditioned dot products per family (large "
            "terms that cancel exactly, leaving small ones), each result compared with the exact "
            "value from `fractions.Fraction` rounded once (`bench/rounding.py`). Results not "
            "correctly rounded:\n\n"
            + table(["family", "largest condition number", "`dot(accurate=True)`", "`math.sumprod`",
                     "`dot()` fast, for scale"], rows))
    return (f"Python {m['python']} in the image (`vecdot-bench:current`), lists of floats; "
            "in parentheses, time relative to `vecdot_list_acc`. Buffers here are `array('d')` "
            "(the image has no numpy).\n\n" + t + "\n\n" + legend(m, names) + rounding)


def parse_section(results):
    p = results.get("parse")
    if not p:
        return "_Not measured in this run._"
    shapes = {"repr17": "17-digit floats (`repr`)", "decimal6": "6 decimals", "int": "integers"}
    names = list(next(iter(p.values())))
    rows = [[shapes.get(s, s)] + [f"{v[k]:.1f}" for k in names] for s, v in p.items()]
    return table(["1000 values as"] + [f"{k} (ns/value)" for k in names], rows)


def tuning_section(results):
    t = results.get("tuning")
    if not t:
        return "_Not measured in this run._"
    th = t["threads"]
    rows = [[f"{int(n):,}", fmt_ns(r["1"]), fmt_ns(r["2"]), f"{r['speedup']:.2f}x"]
            for n, r in sorted(th["sizes"].items(), key=lambda kv: int(kv[0]))]
    threads = table(["n", "1 thread", "2 threads", "speedup"], rows)
    rec = th["recommended_min_per_thread"]
    threads += (f"\n\nTwo threads are reliably faster (by at least 10%) from n = {th['crossover_n']:,}"
                f" on: VD_MIN_PER_THREAD = {rec:,} per thread would start the second thread there."
                " dot.h sets it to one chunk (8,192), so the second thread starts at two chunks,"
                " where it roughly breaks even, and is already running at sizes such as 30,000"
                " that are not a power of two."
                if rec else "\n\nTwo threads never paid in this run.")
    g = t["gil"]["sizes"]
    rows = [[f"{int(n):,}", fmt_ns(r["hold_ns"]), fmt_ns(r["release_ns"]), f"{r['release_cost_ns']:+.0f} ns",
             f"{r['two_thread_gain']:.2f}x"] for n, r in sorted(g.items(), key=lambda kv: int(kv[0]))]
    gil = table(["n", "GIL held", "GIL released", "cost of releasing", "2 threads: released/held throughput"],
                rows)
    pays = t["gil"].get("recommended_gil_release_min")
    gil += (f"\n\nWith two threads calling, releasing the GIL pays (by at least 10%) from n = {pays:,} on;"
            " below that the hand-over of the GIL between the threads costs more than the "
            "overlap wins. GIL_RELEASE_MIN should be about that n." if pays else
            "\n\nReleasing the GIL never paid by 10% in this run.")
    return threads, gil


def http_section(results):
    http = results.get("http")
    if not http:
        return "_Not measured in this run (no wrk)._"
    out = []
    servers = [s for s in http if not s.endswith("pure-Python")]
    for server in servers:
        c, pure = http[server], http.get(server + " pure-Python", {})
        rows = []
        for name, (label, _, _) in ENDPOINTS.items():
            r, p = c.get(name), pure.get(name)
            if not r:
                continue
            row = [label, f"{r['req_per_s']:,.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}",
                   f"{r.get('cpu_us', 0):,.0f}"]
            if p:
                row += [f"{p['req_per_s']:,.1f}", f"{p['p50_ms']:.1f}", f"{p['p99_ms']:.1f}",
                        f"{p.get('cpu_us', 0):,.0f}", f"{r['req_per_s'] / p['req_per_s']:.1f}x"]
            rows.append(row)
        errors = sum(r["errors"] for r in c.values()) + sum(r["errors"] for r in pure.values())
        out.append(f"**{server}**" + (f" ({errors} wrk errors)" if errors else " (no errors)") + "\n\n" + table(
            ["endpoint", "C req/s", "p50 ms", "p99 ms", "CPU µs/req", "pure-Python req/s", "p50 ms",
             "p99 ms", "CPU µs/req", "C gain (req/s)"],
            rows))
    return "\n\n".join(out)


def wsgi_section(results):
    w = results.get("wsgi")
    if not w:
        return "_Not measured in this run._"
    rows = []
    for name, (label, _, _) in ENDPOINTS.items():
        c, p = w["C"][name], w["pure-Python"][name]
        rows.append([label, f"{c:,.1f}", f"{w['C']['get_root'] / c:.0%}", f"{p:,.1f}", f"{p / c:.1f}x"])
    return table(["endpoint", "C: µs per request", "rate vs GET /", "pure Python: µs", "C gain"], rows)


def image_section(results):
    img, rss, start = results.get("image"), results.get("rss", {}), results.get("startup", {})
    fallback = results.get("image_fallback")
    if img:
        steps = "; ".join(f"`{' '.join(name.split())[:60]}` {t:.1f} s" for t, name in img.get("build_steps", []))
        lines = [
            f"- runtime image size: **{img['size_mb']:.0f} MB** (`docker image inspect`, uncompressed)",
            f"- rebuild after a one-line change to `lib/c/dot.c`: **{img['rebuild_one_c_file_s']:.1f} s** "
            f"(the {'working' if img['tree'] == 'worktree' else 'HEAD'} tree; building it unchanged first took "
            f"{img['first_build_s']:.1f} s). Its slowest steps: {steps}",
        ]
    elif fallback:
        lines = [f"- the tree's image did not build in this run (see the failed steps above), so the "
                 f"container figures are from `{fallback['image']}`, built {fallback['created']}: "
                 f"**{fallback['size_mb']:.0f} MB**; no rebuild time was measured"]
    else:
        return "_Not measured in this run (no Docker)._"
    if start.get("seconds_to_healthy"):
        h, o = start["seconds_to_healthy"], start["seconds_to_http_ok"]
        lines.append(f"- time to healthy, {len(h)} starts (`docker run` to health status `healthy`): "
                     + ", ".join(f"{s:.2f} s" for s in h)
                     + "; /healthz first answered 200 after " + ", ".join(f"{s:.2f} s" for s in o))
    for server, r in rss.items():
        lines.append(f"- per-worker RSS, {server}: idle " + ", ".join(f"{v:.0f} MB" for v in r["idle_mb"])
                     + "; after the HTTP load " + ", ".join(f"{v:.0f} MB" for v in r["after_load_mb"]))
    return "\n".join(lines)


def instructions_section(results):
    ins = results.get("instructions")
    if not ins:
        return "_Not measured in this run (no valgrind)._"
    noop = ins["noop"]["instructions_per_call"]
    rows = [[f"`{k}`", f"{v['instructions_per_call']:,.0f}", f"{v['instructions_per_call'] / noop:.1f}x"]
            for k, v in ins.items()]
    out = table(["n = 3", "instructions per call", "vs the no-op"], rows)
    for name in ("vecdot_list", "vecdot"):
        top = ins.get(name, {}).get("top_functions")
        if top:
            out += (f"\n\nWhere one `{name}` call's instructions go (self cost per call, "
                    "the loop's and the call's own included):\n\n"
                    + table(["instructions", "function"], [[f"{c:.0f}", f"`{f}`"] for c, f in top]))
    return out


def errors_section(results):
    errors = results.get("errors")
    if not errors:
        return ""
    lines = ["\n**Steps that failed in this run** (their figures are missing below):\n"]
    for step, error in errors.items():
        lines.append(f"- `{step}`: " + error.strip().splitlines()[0][:300])
    return "\n".join(lines) + "\n"


def alone_section(results):
    alone = results.get("alone")
    if not alone:
        return "_Not measured in this run (`--steps alone`)._"
    rows = [[f"{int(n):,}", fmt_ns(r["vecdot"]), fmt_ns(r["numpy"]), f"{r['numpy_over_vecdot']:.2f}x"]
            for n, r in sorted(alone["sizes"].items(), key=lambda kv: int(kv[0]))]
    return table(["n", "`vecdot` (default threads)", "`numpy`", "numpy / vecdot"], rows)


def render(results, png_name):
    micro = results.get("micro", {"contenders": {}, "sizes": {}})
    buffers, buffer_names = times_table(micro, BUFFER_ORDER, "vecdot")
    lists, list_names = times_table(micro, LIST_ORDER, "vecdot_list")
    tuning = tuning_section(results)
    threads, gil = tuning if isinstance(tuning, tuple) else (tuning, tuning)
    template = open(__file__.replace("report.py", "report_template.md")).read()
    return template.format(
        targets=targets_section(results), machine=machine_section(results), png=png_name,
        buffers=buffers, buffer_legend=legend(micro, buffer_names),
        lists=lists, list_legend=legend(micro, list_names),
        bandwidth=bandwidth_table(micro) if micro.get("ceiling") else "_No ceiling measured._",
        py313=py313_section(results), parse=parse_section(results),
        threads=threads, gil=gil, alone=alone_section(results), http=http_section(results),
        wsgi=wsgi_section(results), image=image_section(results),
        errors=errors_section(results), instructions=instructions_section(results),
        quick=("\n> **This is a `--quick` run: few rounds, short loads. Not for quoting.**\n"
               if results.get("quick") else ""),
        python=micro.get("python", "?"), analysis=analysis(results),
    )


if __name__ == "__main__":
    data = json.loads(open(sys.argv[1]).read())
    target = sys.argv[2] if len(sys.argv) > 2 else "docs/benchmarks.md"
    open(target, "w").write(render(data, target.rsplit("/", 1)[-1].replace(".md", ".png")))
