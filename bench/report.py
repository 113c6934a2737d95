"""The generated block of docs/benchmarks.md: one run's tables, PASS/FAIL per target, the plot.

Tables and one-line captions only: every figure comes from the run's results, and what
the figures mean is written by hand outside the block, which this never touches.
Re-render without rerunning:

    .venv/bin/python bench/report.py bench/out/results.json docs/benchmarks.md
"""

import json
import sys
from pathlib import Path

from http_load import ENDPOINTS, proxy_cost

BEGIN = "<!-- make bench writes from here to the end marker (bench/report.py); edit that, not this block -->"
END = "<!-- end of what make bench writes -->"

LIST_ORDER = ["noop", "vecdot_list", "vecdot_list_acc", "cython_list", "py_map", "py_zip",
              "numpy_list", "sumprod"]
BUFFER_ORDER = ["vecdot", "vecdot_1t", "vecdot_acc", "ctypes", "numpy", "cython_buf"]
NOT_MEASURED = "_Not measured in this run._"


def fmt_ns(ns):
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns / 1e6:.1f} ms"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def by_n(sizes):
    return sorted(sizes.items(), key=lambda kv: int(kv[0]))


def times_table(micro, order, base):
    """ns per call by n, each cell with its time relative to `base`; then the legend."""
    names = [k for k in order if k in micro["contenders"]]
    rows = []
    for n, row in by_n(micro["sizes"]):
        if not any(k in row for k in names):
            continue
        cells = [f"{int(n):,}"]
        for k in names:
            cell = fmt_ns(row[k]["ns"]) if k in row else ""
            if k in row and base in row and k not in (base, "noop"):  # the no-op is a floor, not a contender
                cell += f" ({row[k]['ns'] / row[base]['ns']:.1f}x)"
            cells.append(cell)
        rows.append(cells)
    legend = "\n".join(f"- `{k}`: {micro['contenders'][k]}" for k in names)
    return (f"ns per call (median); in parentheses, the time relative to `{base}`.\n\n"
            + table(["n"] + [f"`{k}`" for k in names], rows) + "\n\n" + legend)


def bandwidth_table(micro):
    names = [k for k in ("vecdot", "vecdot_1t", "ctypes", "numpy", "cython_buf", "vecdot_acc")
             if k in micro["contenders"]]
    threads = sorted(next(iter(micro["ceiling"].values())))
    rows = []
    for n, ceiling in by_n(micro["ceiling"]):
        row = micro["sizes"][n]
        cells = [f"{int(n):,}", f"{16 * int(n) / 1e6:g} MB"] + [f"{ceiling[t]:.1f}" for t in threads]
        for k in names:
            gbs = 16 * int(n) / row[k]["ns"] if k in row else None
            cells.append(f"{gbs:.1f} ({gbs / ceiling['1']:.0%})" if gbs else "")
        rows.append(cells)
    return ("The same figures as bandwidth, GB/s (in parentheses, percent of the one-thread "
            "read ceiling at the same size):\n\n"
            + table(["n", "bytes read"] + [f"ceiling {t}T" for t in threads] + [f"`{k}`" for k in names], rows))


def targets_section(results):
    rows = [[{True: "**PASS**", False: "**FAIL**", None: "n/a"}[r["passed"]], r["id"], r["target"],
             r["measured"]] for r in results["targets"]]
    out = table(["", "#", "target (issue 5; 11: the proxy)", "measured in this run"], rows)
    if results.get("quick"):
        out = "> **A `--quick` run: few rounds, short loads. Not for quoting.**\n\n" + out
    for step, error in results.get("errors", {}).items():
        out += f"\n\nStep `{step}` failed, so its figures are missing: " + error.strip().splitlines()[0][:300]
    return out + ("\n\nWhy a target fails is written by hand in docs/benchmarks.md, under "
                  "[What the numbers say](#what-the-numbers-say), after the generated tables.")


def machine_section(results):
    m, before, after = results["machine"], results["load_before"], results["load_after"]
    return "\n".join([
        f"- CPU: {m['cpu']}, {m['cpus']} vCPUs ({m['threads_per_core']} thread per core), "
        f"{m['hypervisor'] or 'bare metal'} guest; SIMD used: {', '.join(m['simd'])}",
        f"- caches: L1d {m['caches']['L1d cache']}, L2 {m['caches']['L2 cache']}, "
        f"L3 {m['caches']['L3 cache']} (as the hypervisor reports them); memory {m['memory_gib']} GiB",
        f"- Linux {m['kernel']}, {m['gcc']}, {m['wrk'] or 'no wrk'}, Docker {m['docker'] or 'none'}",
        f"- host Python {m['python']} (.venv, numpy {results.get('micro', {}).get('numpy')} with its "
        f"bundled OpenBLAS), image Python {results.get('micro313', {}).get('python', 'n/a')}",
        f"- VECDOT_NUM_THREADS={m['vecdot_num_threads'] or 'unset (vecdot uses every CPU)'}, "
        f"OPENBLAS_NUM_THREADS={m['openblas_num_threads'] or 'unset (OpenBLAS uses every CPU)'}",
        f"- `{results['command']}` at commit {m['commit']}{' with uncommitted changes' if m['dirty'] else ''}, "
        f"run started {results['started']}, took {results['seconds'] / 60:.1f} min",
        f"- load average (1, 5, 15 min): {before[0]:.2f} {before[1]:.2f} {before[2]:.2f} before, "
        f"{after[0]:.2f} {after[1]:.2f} {after[2]:.2f} after; bench/out/results.json has each "
        "figure's `spread` (half its interquartile range over the rounds)",
    ])


def alone_section(results):
    alone = results.get("alone")
    if not alone:
        return NOT_MEASURED
    rows = [[f"{int(n):,}", fmt_ns(r["vecdot"]), fmt_ns(r["numpy"]), f"{r['numpy_over_vecdot']:.2f}x"]
            for n, r in by_n(alone["sizes"])]
    return ("Each library in fresh processes of its own, best of three (`bench/alone.py`); "
            "target 1 reads these at every n.\n\n"
            + table(["n", "`vecdot` (default threads)", "`numpy`", "numpy / vecdot"], rows))


def instructions_section(results):
    ins = results.get("instructions")
    if not ins:
        return NOT_MEASURED
    noop = ins["noop"]["instructions_per_call"]
    rows = [[f"`{k}`", f"{v['instructions_per_call']:,.0f}", f"{v['instructions_per_call'] / noop:.1f}x"]
            for k, v in ins.items()]
    out = ("Instructions per call at n = 3 under callgrind (`bench/instructions.py`).\n\n"
           + table(["n = 3", "instructions per call", "vs the no-op"], rows))
    for name in ("vecdot_list", "vecdot"):
        if top := ins.get(name, {}).get("top_functions"):
            out += (f"\n\nWhere one `{name}` call's instructions go (self cost per call):\n\n"
                    + table(["instructions", "function"], [[f"{c:.0f}", f"`{f}`"] for c, f in top]))
    return out


def py313_section(results):
    m = results.get("micro313")
    if not m:
        return NOT_MEASURED
    out = (f"Python {m['python']} in the image; buffers are `array('d')` (the image has no numpy). "
           + times_table(m, LIST_ORDER + ["vecdot", "vecdot_acc"], "vecdot_list_acc"))
    if r := results.get("rounding"):
        rows = [[family, f"{f['max_condition']:.0e}", f["wrong"]["vecdot accurate"], f["wrong"]["sumprod"],
                 f["wrong"]["vecdot fast"]] for family, f in r["families"].items()]
        out += (f"\n\nResults not correctly rounded, of {r['cases']} ill-conditioned dot products per "
                "family, against `fractions.Fraction` rounded once (`bench/rounding.py`):\n\n"
                + table(["family", "largest condition number", "`dot(accurate=True)`", "`math.sumprod`",
                         "`dot()` fast, for scale"], rows))
    return out


def parse_section(results):
    p = results.get("parse")
    if not p:
        return NOT_MEASURED
    shapes = {"repr17": "17-digit floats (`repr`)", "decimal6": "6 decimals", "int": "integers"}
    names = list(next(iter(p.values())))
    rows = [[shapes.get(s, s)] + [f"{v[k]:.1f}" for k in names] for s, v in p.items()]
    return ("ns per value, for 1000 values (`bench/app_cost.py`).\n\n"
            + table(["1000 values as"] + [f"{k} (ns/value)" for k in names], rows))


def tuning_section(results):
    t = results.get("tuning")
    if not t:
        return NOT_MEASURED
    th, gil = t["threads"], t["gil"]
    rows = [[f"{int(n):,}", fmt_ns(r["1"]), fmt_ns(r["2"]), f"{r['speedup']:.2f}x"] for n, r in by_n(th["sizes"])]
    out = ("**Threads** (`VD_MIN_PER_THREAD`, lib/c/dot.h): the kernel through `bench_dot_split` "
           "on one thread and on two, whatever n is.\n\n" + table(["n", "1 thread", "2 threads", "speedup"], rows))
    out += (f"\n\nTwo threads were at least 10% faster from n = {th['crossover_n']:,} on: "
            f"VD_MIN_PER_THREAD = {th['recommended_min_per_thread']:,} would start the second thread there."
            if th["crossover_n"] else "\n\nTwo threads were never reliably 10% faster in this run.")
    rows = [[f"{int(n):,}", fmt_ns(r["hold_ns"]), fmt_ns(r["release_ns"]), f"{r['release_cost_ns']:+.0f} ns",
             f"{r['two_thread_gain']:.2f}x"] for n, r in by_n(gil["sizes"])]
    out += ("\n\n**The GIL** (`GIL_RELEASE_MIN`, lib/c/py_dot.c): the same kernel with the GIL held and "
            "released (`bench/c/probe.c`), alone and from two Python threads at once.\n\n"
            + table(["n", "GIL held", "GIL released", "cost of releasing",
                     "2 threads: released/held throughput"], rows))
    pays = gil.get("recommended_gil_release_min")
    return out + (f"\n\nWith two threads calling, releasing the GIL paid by at least 10% from n = {pays:,} on."
                  if pays else "\n\nReleasing the GIL never paid by 10% in this run.")


def http_section(results):
    http, setup = results.get("http"), results.get("http_setup", {})
    if not http:
        return NOT_MEASURED
    out = [f"wrk on 127.0.0.1, one thread, {setup.get('connections')} connections, endpoints interleaved: "
           f"{setup.get('seconds')} s x {setup.get('rounds')} rounds each with the C extension, x 1 with "
           "the pure-Python backend (`bench/http_load.py`, `bench/servers.py`). \"CPU µs/req\" is the "
           "server's own CPU time over the requests wrk completed."]
    proxy = setup.get("proxy")
    for server in (s for s in http if not s.endswith("pure-Python") and s != (proxy or {}).get("proxied")):
        c, pure = http[server], http.get(server + " pure-Python", {})
        rows = []
        for name, (label, _, _) in ENDPOINTS.items():
            r, p = c[name], pure.get(name)
            row = [label, f"{r['req_per_s']:,.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}", f"{r['cpu_us']:,.0f}"]
            if p:
                row += [f"{p['req_per_s']:,.1f}", f"{p['p50_ms']:.1f}", f"{p['p99_ms']:.1f}",
                        f"{p['cpu_us']:,.0f}", f"{r['req_per_s'] / p['req_per_s']:.1f}x"]
            rows.append(row)
        errors = sum(r["errors"] for r in [*c.values(), *pure.values()])
        out.append(f"**{server}** ({errors or 'no'} wrk errors)\n\n" + table(
            ["endpoint", "C req/s", "p50 ms", "p99 ms", "CPU µs/req", "pure-Python req/s", "p50 ms",
             "p99 ms", "CPU µs/req", "C gain (req/s)"], rows))
    if proxy:
        out.append(proxy_section(http[proxy["direct"]], http[proxy["proxied"]], proxy))
    return "\n\n".join(out)


def proxy_section(direct, proxied, proxy):
    """The proxy's cost: the Compose deployment against the same image run directly, same rounds."""
    rows = [[ENDPOINTS[name][0], f"{direct[name]['req_per_s']:,.0f}", f"{proxied[name]['req_per_s']:,.0f}",
             f"{share:.0%}", f"{direct_us:,.0f}", f"{proxied_us:,.0f}", f"{haproxy_us:,.0f}",
             f"{direct[name]['p50_ms']:.1f} / {proxied[name]['p50_ms']:.1f}"]
            for name, (share, direct_us, proxied_us, haproxy_us) in proxy_cost(direct, proxied).items()]
    lifted = ", ".join(f"`{k}={v}`" for k, v in proxy["limits_lifted"].items())
    errors = sum(r["errors"] for r in proxied.values())
    return (f"**{proxy['proxied']}** ({errors or 'no'} wrk errors): docker-compose.yml started by "
            f"scripts/compose-up.sh, the proxy and {proxy['replicas']} replica, loaded in the same rounds as "
            f"the **{proxy['direct']}** above (the same image, its port published), endpoint by endpoint. "
            f"CPU µs/req through the proxy is HAProxy's and gunicorn's together. The proxy's per-client "
            f"limits were lifted for the one client wrk is: {lifted}.\n\n"
            + table(["endpoint", f"{proxy['direct']} req/s", "through the proxy req/s", "share",
                     f"{proxy['direct']} CPU µs/req", "through the proxy CPU µs/req", "of which HAProxy",
                     "p50 ms direct / proxied"], rows))


def wsgi_section(results):
    w = results.get("wsgi")
    if not w:
        return NOT_MEASURED
    rows = []
    for name, (label, _, _) in ENDPOINTS.items():
        c, p = w["C"][name], w["pure-Python"][name]
        rows.append([label, f"{c:,.1f}", f"{w['C']['get_root'] / c:.0%}", f"{p:,.1f}", f"{p / c:.1f}x"])
    return ("The Flask app's WSGI entry point called in process with the same request bytes "
            "(`bench/app_cost.py`): no network, no gunicorn.\n\n"
            + table(["endpoint", "C: µs per request", "rate vs GET /", "pure Python: µs", "C gain"], rows))


def image_section(results):
    img, fallback = results.get("image"), results.get("image_fallback")
    start, rss = results.get("startup", {}), results.get("rss", {})
    if img:
        steps = "; ".join(f"`{' '.join(name.split())[:60]}` {t:.1f} s" for t, name in img["build_steps"])
        lines = [
            f"- runtime image size: **{img['size_mb']:.0f} MB** (`docker image inspect`, uncompressed)",
            f"- rebuild after a one-line change to `lib/c/dot.c`: **{img['rebuild_one_c_file_s']:.1f} s** "
            f"(the {'working' if img['tree'] == 'worktree' else 'HEAD'} tree; building it unchanged first took "
            f"{img['first_build_s']:.1f} s). Its slowest steps: {steps}",
        ]
    elif fallback:
        lines = [f"- the tree's image did not build ({fallback['why'].splitlines()[0][:200]}), so the "
                 f"container figures are from `{fallback['image']}`, built {fallback['created']}: "
                 f"**{fallback['size_mb']:.0f} MB**; no rebuild time was measured"]
    else:
        return NOT_MEASURED
    if h := start.get("seconds_to_healthy"):
        lines.append(f"- time to healthy, {len(h)} starts (`docker run` to health status `healthy`): "
                     + ", ".join(f"{s:.2f} s" for s in h) + "; /healthz first answered 200 after "
                     + ", ".join(f"{s:.2f} s" for s in start["seconds_to_http_ok"]))
    for server, r in rss.items():
        lines.append(f"- per-worker RSS, {server}: idle " + ", ".join(f"{v:.0f} MB" for v in r["idle_mb"])
                     + "; after the HTTP load " + ", ".join(f"{v:.0f} MB" for v in r["after_load_mb"]))
    return "\n".join(lines)


def render(results, png_name):
    """The block between BEGIN and END, markers excluded."""
    micro = results.get("micro")
    buffers = lists = bandwidth = NOT_MEASURED
    if micro:
        buffers = (times_table(micro, BUFFER_ORDER, "vecdot")
                   + f"\n\n![time per call against n, and GB/s against the ceiling]({png_name})")
        lists = times_table(micro, LIST_ORDER, "vecdot_list")
        bandwidth = bandwidth_table(micro) if micro["ceiling"] else "_No read ceiling measured._"
    sections = [
        ("## Targets", targets_section(results)),
        ("## The machine", machine_section(results)),
        ("## In process: float64 buffers", buffers + "\n\n" + bandwidth),
        ("### vecdot and numpy, each alone", alone_section(results)),
        ("## In process: lists of floats", lists),
        ("## Call overhead in instructions", instructions_section(results)),
        ("## math.sumprod, and correct rounding (Python 3.13)", py313_section(results)),
        ("## Parsing, per value", parse_section(results)),
        ("## Tuning the library's constants", tuning_section(results)),
        ("## Over HTTP", http_section(results)),
        ("### The app's own CPU per request", wsgi_section(results)),
        ("## The image", image_section(results)),
    ]
    return "\n\n".join(f"{heading}\n\n{body}" for heading, body in sections)


def write(results, doc):
    """Replace the block in doc (a new file gets the block alone), and draw the plot beside it."""
    doc, png = Path(doc), Path(doc).with_suffix(".png")
    block = f"{BEGIN}\n\n{render(results, png.name)}\n\n{END}"
    text = doc.read_text() if doc.exists() else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = f"# Benchmarks: one run of `{results['command']}`\n\n{block}\n"
    doc.write_text(text)
    if results.get("micro"):
        try:
            import plot
        except ImportError:
            print("== matplotlib is not installed: no plot (pip install -r bench/requirements.txt)")
        else:
            plot.plot(results, png)


if __name__ == "__main__":
    write(json.loads(Path(sys.argv[1]).read_text()), sys.argv[2] if len(sys.argv) > 2 else "docs/benchmarks.md")
