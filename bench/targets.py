"""The targets of issues 5, 11 (the proxy) and 13, judged from one run's results: PASS or FAIL.

Each check returns rows of {id, target, measured, passed}; a row whose inputs were not
measured in this run (no Docker, a skipped step) says so and counts as neither. Why a
target fails is written by hand in docs/benchmarks.md, under "What the numbers say".
"""

BIG_N = "10000000"
# Issue 11: small requests through the proxy keep at least this share of the req/s of the
# same image run directly, on a 2-core machine.
PROXY_MIN_SHARE = 0.8


def _row(tid, target, measured, passed):
    return {"id": tid, "target": target, "measured": measured, "passed": passed}


def _missing(tid, target, what):
    return _row(tid, target, f"not measured: {what}", None)


def _ns(micro, n, name):
    entry = micro["sizes"].get(str(n), {}).get(name)
    return entry["ns"] if entry else None


# Issue 13: numpy/vecdot >= 1 at each of these n, each library alone (bench/alone.py).
ALONE_SIZES = [3, 100, 1_000, 10_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000]


def target1(micro, alone):
    t = "float64 buffers, fast mode: vecdot.dot >= numpy.dot (default threading) at every n, each alone"
    alone_ratios = {int(n): row["numpy_over_vecdot"] for n, row in (alone or {}).get("sizes", {}).items()}
    interleaved = {int(n): row["numpy"]["ns"] / row["vecdot"]["ns"]
                   for n, row in (micro or {}).get("sizes", {}).items() if "numpy" in row and "vecdot" in row}
    if not alone_ratios:
        return [_missing("1", t, "bench/alone.py")]

    def listed(r):
        return ", ".join(f"{n:,}: {r[n]:.2f}x" for n in sorted(r))

    missing = [n for n in ALONE_SIZES if n not in alone_ratios]
    worst = min(alone_ratios, key=alone_ratios.get)
    measured = f"numpy/vecdot each alone, worst n={worst:,}: {alone_ratios[worst]:.2f}x ({listed(alone_ratios)})"
    if missing:  # a quick run measures some sizes only: no verdict, as for a skipped step
        measured += f"; not measured alone, so no verdict: {', '.join(f'{n:,}' for n in missing)}"
    if interleaved:  # shown so nobody is misled either way: OpenBLAS's spinning worker shares the core
        measured += f"; interleaved (bench/micro.py): {listed(interleaved)}"
    return [_row("1", t, measured, None if missing else alone_ratios[worst] >= 1.0)]


# Issue 13: the read ceiling (bench/c/stream.c) is a ceiling only if no contender reads faster.
# Contenders that use one thread, and those that may use every CPU, against each ceiling.
ONE_THREAD = ["vecdot_1t", "cython_buf", "vecdot_acc"]
ANY_THREADS = ["vecdot", "ctypes", "numpy"]


def _gbs_at_big_n(micro, alone):
    """GB/s at n=1e7 by name, and where they come from: each in fresh processes (bench/alone.py,
    where a two-thread read does not share a core with OpenBLAS's spinning worker) when that
    step ran, else in process, the ceiling as its fastest round (bench/micro.py)."""
    row = (alone or {}).get("sizes", {}).get(BIG_N, {})
    if "read_1t" in row:
        names = [k for k in row if k in ONE_THREAD + ANY_THREADS or k.startswith("read_")]
        return {k: 16 * int(BIG_N) / row[k] for k in names}, "each alone"
    gbs = {k: 16 * int(BIG_N) / v["ns"] for k, v in (micro or {}).get("sizes", {}).get(BIG_N, {}).items()}
    gbs.update({f"read_{t}t": v for t, v in (micro or {}).get("ceiling", {}).get(BIG_N, {}).items()})
    return gbs, "in process"


def _against_ceiling(gbs, where, tid, t, vecdot_name, read, contenders):
    if vecdot_name not in gbs or read not in gbs:
        return _missing(tid, t, f"n=1e7 or its {read}")
    ceiling, share = gbs[read], gbs[vecdot_name] / gbs[read]
    faster = [f"{c} {gbs[c] / ceiling:.0%}" for c in contenders if gbs.get(c, 0) > ceiling]
    measured = f"{where}: {gbs[vecdot_name]:.1f} GB/s of {ceiling:.1f} GB/s: vecdot/ceiling = {share:.2f}"
    if faster:
        measured += f"; no ceiling, beaten by {', '.join(faster)}: the read kernel falls short"
    return _row(tid, t, measured, 0.9 <= share and not faster)


def target2(micro, alone=None):
    t = "one thread at n=1e7 (DRAM): >= 90% of the one-thread read ceiling, which no contender beats"
    gbs, where = _gbs_at_big_n(micro, alone)
    return [_against_ceiling(gbs, where, "2", t, "vecdot_1t", "read_1t", ONE_THREAD)]


def target2_two_threads(micro, alone=None):
    t = "every CPU at n=1e7 (DRAM): >= 90% of the read ceiling on as many threads, which no contender beats"
    gbs, where = _gbs_at_big_n(micro, alone)
    most = max((int(k[len("read_"):-1]) for k in gbs if k.startswith("read_")), default=1)
    if most < 2:
        return [_missing("2b", t, "a second CPU")]
    return [_against_ceiling(gbs, where, "2b", t, "vecdot", f"read_{most}t", ONE_THREAD + ANY_THREADS)]


def target3(micro):
    t = "lists at n=1000: >= 20x pure Python, and faster than the Cython list loop"
    v, zip_, map_, cy = (_ns(micro, 1000, k) for k in ("vecdot_list", "py_zip", "py_map", "cython_list"))
    if v is None or map_ is None or cy is None:
        return [_missing("3", t, "vecdot, pure Python or Cython on lists")]
    faster_py = min(zip_ or map_, map_)
    return [
        _row("3a", "lists at n=1000: >= 20x pure Python (the faster of zip and map)",
             f"{faster_py / v:.1f}x", faster_py / v >= 20),
        _row("3b", "lists at n=1000: faster than the Cython list loop",
             f"Cython/vecdot = {cy / v:.2f}x ({cy:,.0f} ns vs {v:,.0f} ns)", cy / v > 1.0),
    ]


def target4(micro, instructions):
    t = "call overhead at n=3: within 1.5x of a no-op C function of two arguments"
    noop = _ns(micro, 3, "noop")
    if noop is None:
        return [_missing("4", t, "the no-op probe")]
    rows = []
    for name, label in (("vecdot_list", "lists"), ("vecdot", "numpy float64 arrays")):
        v = _ns(micro, 3, name)
        if v is None:
            continue
        measured = f"{v:.0f} ns vs {noop:.0f} ns = {v / noop:.1f}x"
        if instructions and name in instructions:
            ins = instructions[name]["instructions_per_call"] / instructions["noop"]["instructions_per_call"]
            measured += f"; instructions {ins:.1f}x"
        rows.append(_row("4", f"{t} ({label})", measured, v / noop <= 1.5))
    return rows


def target5(micro, micro313, rounding):
    rows = []
    t = "accurate=True, well-conditioned float64 buffers, n=1e6: within 3x of fast mode"
    acc, fast = _ns(micro, 1_000_000, "vecdot_acc"), _ns(micro, 1_000_000, "vecdot")
    if acc is None or fast is None:
        rows.append(_missing("5a", t, "n=1e6 buffers"))
    else:
        fast1 = _ns(micro, 1_000_000, "vecdot_1t")
        rows.append(_row("5a", t, f"{acc / fast:.2f}x (vs one-thread fast mode: {acc / fast1:.2f}x)",
                         acc / fast <= 3.0))
    t = "accurate=True on lists: at least as fast as math.sumprod (Python 3.13), at every n"
    ratios = {n: r["sumprod"]["ns"] / r["vecdot_list_acc"]["ns"]
              for n, r in (micro313 or {"sizes": {}})["sizes"].items() if "sumprod" in r and "vecdot_list_acc" in r}
    if not ratios:
        rows.append(_missing("5b", t, "sumprod in the image's Python 3.13"))
    else:
        worst = min(ratios, key=ratios.get)
        rows.append(_row("5b", t, f"worst n={int(worst):,}: sumprod/vecdot = {ratios[worst]:.2f}x; "
                         f"n=1000: {ratios.get('1000', float('nan')):.2f}x", ratios[worst] >= 1.0))
    t = "accurate=True correctly rounded where sumprod is not (ill-conditioned, vs Fraction)"
    if not rounding:
        rows.append(_missing("5c", t, "the image's Python 3.13"))
    else:
        fams = rounding["families"]
        ours = sum(f["wrong"]["vecdot accurate"] for f in fams.values())
        theirs = sum(f["wrong"]["sumprod"] for f in fams.values())
        total = rounding["cases"] * len(fams)
        rows.append(_row("5c", t, f"not correctly rounded, of {total}: vecdot accurate {ours}, "
                         f"sumprod {theirs}", ours == 0))
    return rows


def target6(http, setup):
    """Issue 5's ratios for each server the service runs in; the proxy in front of it has target 11."""
    rows = []
    proxied = (setup or {}).get("proxy", {}).get("proxied")
    for server, result in (http or {}).items():
        if server.endswith("pure-Python") or server == proxied or "get_root" not in result:
            continue
        root = result["get_root"]["req_per_s"]

        def ratio(name, result=result, root=root):
            return result[name]["req_per_s"] / root

        def cpu(name, result=result):  # the same ratio from the server's CPU per request, steadier
            r = result[name].get("cpu_us")
            return f" (by server CPU per request: {result['get_root']['cpu_us'] / r:.0%})" if r else ""

        rows.append(_row("6a", f"{server}: GET /dot 3 values >= 90% of GET /'s req/s",
                         f"{ratio('get_dot_3'):.0%}{cpu('get_dot_3')}", ratio("get_dot_3") >= 0.9))
        rows.append(_row("6b", f"{server}: GET /dot 1000 values >= 80% of GET /'s req/s",
                         f"{ratio('get_dot_1000'):.0%}{cpu('get_dot_1000')}", ratio("get_dot_1000") >= 0.8))
        b, j = result["post_bin_100000"]["req_per_s"], result["post_json_100000"]["req_per_s"]
        if not j:  # a short round (--quick) on a loaded machine can end before one JSON POST of 1e5 does
            rows.append(_missing("6c", f"{server}: binary POST of 1e5 >= 10x JSON POST's req/s",
                                 "no JSON POST of 1e5 completed in this run"))
            continue
        rows.append(_row("6c", f"{server}: binary POST of 1e5 >= 10x JSON POST's req/s",
                         f"{b / j:.1f}x ({b:,.0f} vs {j:,.1f} req/s)", b / j >= 10))
    return rows or [_missing("6", "HTTP", "no server was loaded")]


def target6_in_process(wsgi):
    """The same ratios from the app's own CPU per request (no network, no gunicorn)."""
    if not wsgi:
        return []
    us = wsgi["C"]
    label = "the app in process (WSGI, µs per request)"
    return [
        _row("6a", f"{label}: GET /dot 3 values >= 90% of GET /'s rate",
             f"{us['get_root'] / us['get_dot_3']:.0%}", us["get_root"] / us["get_dot_3"] >= 0.9),
        _row("6b", f"{label}: GET /dot 1000 values >= 80% of GET /'s rate",
             f"{us['get_root'] / us['get_dot_1000']:.0%}", us["get_root"] / us["get_dot_1000"] >= 0.8),
        _row("6c", f"{label}: binary POST of 1e5 >= 10x JSON POST's rate",
             f"{us['post_json_100000'] / us['post_bin_100000']:.0f}x",
             us["post_json_100000"] / us["post_bin_100000"] >= 10),
    ]


def target7(image, startup):
    rows = []
    if image:
        s = image["rebuild_one_c_file_s"]
        rows.append(_row("7a", "image rebuild after a change to one C file < 30 s", f"{s:.1f} s", s < 30))
    else:
        rows.append(_missing("7a", "image rebuild < 30 s", "Docker"))
    healthy = (startup or {}).get("seconds_to_healthy")
    if healthy:
        worst = max(healthy)
        rows.append(_row("7b", "container healthy < 3 s after start",
                         f"worst of {len(healthy)} starts: {worst:.2f} s", worst < 3))
    else:
        rows.append(_missing("7b", "container healthy < 3 s", "Docker"))
    return rows


def target11(http, setup):
    """The proxy's cost: the Compose deployment (the proxy, one replica) against the same image
    run directly with its port published, as the proxy's is, loaded in the same rounds."""
    pair = (setup or {}).get("proxy")
    t = (f"through the proxy (Compose, 1 replica): {{}} >= {PROXY_MIN_SHARE:.0%} of the req/s of the same "
         "image run directly, its port published")
    if not pair:
        return [_missing("11", t.format("small requests"), "Docker and Compose")]
    direct, proxied = http[pair["direct"]], http[pair["proxied"]]
    rows = []
    for tid, name, label in (("11a", "get_root", "GET /"), ("11b", "get_dot_3", "GET /dot 3 values")):
        d, p = direct[name], proxied[name]
        share = p["req_per_s"] / d["req_per_s"]
        measured = (f"{share:.0%} ({p['req_per_s']:,.0f} vs {d['req_per_s']:,.0f} req/s); CPU per request "
                    f"{p['cpu_us']:,.0f} µs (HAProxy {p['cpu_us_by_program'].get('haproxy', 0):,.0f}) "
                    f"vs {d['cpu_us']:,.0f} µs = {p['cpu_us'] / d['cpu_us']:.2f}x")
        if p["errors"] or d["errors"]:  # a fast error page is no request served
            measured += f"; wrk errors: {p['errors']} through the proxy, {d['errors']} direct"
        rows.append(_row(tid, t.format(label), measured,
                         share >= PROXY_MIN_SHARE and not p["errors"] and not d["errors"]))
    return rows


# Issue 13, section 3: accurate=True shares its chunks among threads as fast mode does.
ACCURATE_MAX_COST = 2.0


def target13_accurate(micro):
    """accurate=True against fast mode at the same thread count (vecdot_acc and vecdot both
    run with vecdot's default threads, interleaved in the same rounds), at 1e6 and 1e7."""
    t = (f"accurate=True, well-conditioned float64 buffers: <= {ACCURATE_MAX_COST:.1f}x fast mode, "
         "same threads, n=1e6 and 1e7")
    sizes = {1_000_000: "1e6", 10_000_000: "1e7"}
    pairs = {n: (_ns(micro, n, "vecdot_acc"), _ns(micro, n, "vecdot")) for n in sizes}
    measured = {n: acc / fast for n, (acc, fast) in pairs.items() if acc and fast}
    if not measured:
        return [_missing("13.3", t, "n=1e6 or 1e7 buffers")]
    parts = []
    for n in sizes:
        if n not in measured:
            parts.append(f"n={sizes[n]}: not measured")
            continue
        part = f"n={sizes[n]}: {measured[n]:.2f}x"
        one, one_fast = _ns(micro, n, "vecdot_acc_1t"), _ns(micro, n, "vecdot_1t")
        if one and one_fast:
            part += f" (threads=1: {one / one_fast:.2f}x)"
        parts.append(part)
    passed = all(r <= ACCURATE_MAX_COST for r in measured.values()) if len(measured) == len(sizes) else None
    return [_row("13.3", t, "; ".join(parts), passed)]


# Issue 13: vecdot.parse at the state of the art (Eisel-Lemire), on 17-digit values.
PARSE_MAX_NS = 25


def target13_parse(parse_speed):
    """ns per 17-digit value in vecdot.parse (fresh processes, best round), with callgrind's
    instructions per value and float()'s figures for scale (bench/parse_speed.py)."""
    t = f"parse: <= {PARSE_MAX_NS} ns per 17-digit value"
    ns = (parse_speed or {}).get("ns_per_value", {}).get("digits17", {})
    if "vecdot.parse" not in ns:
        return [_missing("13p", t, "the parse step")]
    ins = parse_speed.get("instructions_per_value", {}).get("digits17", {})

    def figures(name):
        out = f"{ns[name]:.1f} ns"
        return out + (f", {ins[name]:,.0f} instructions" if name in ins else "")

    measured = f"vecdot.parse {figures('vecdot.parse')} per value"
    if "float()" in ns:
        measured += f"; float() {figures('float()')}"
    return [_row("13p", t, measured, ns["vecdot.parse"] <= PARSE_MAX_NS)]


# ---- issue 13, section 1: the HTTP cost of GET /dot near GET /'s ---------------------------

# Server CPU per request against GET /'s (master and workers, from /proc), and req/s.
DOT_1000_MAX_CPU = 1.4
DOT_3_MAX_CPU = 1.05
DOT_1000_MIN_RATE = 0.7


def target13_http(http, setup):
    """Issue 13's HTTP ratios for each server the service runs in (not behind the proxy). Its
    fourth, the binary POST of 1e5 at >= 10x the JSON one, is issue 5's 6c, judged there."""
    rows = []
    proxied = (setup or {}).get("proxy", {}).get("proxied")
    for server, result in (http or {}).items():
        if server.endswith("pure-Python") or server == proxied or "get_root" not in result:
            continue
        root = result["get_root"]

        def cpu(name, result=result, root=root):
            return result[name]["cpu_us"] / root["cpu_us"]

        def detail(name, result=result, root=root):
            return f"{result[name]['cpu_us']:,.0f} vs {root['cpu_us']:,.0f} µs"

        c1000, c3 = cpu("get_dot_1000"), cpu("get_dot_3")
        rows.append(_row("13a", f"{server}: server CPU per request, GET /dot 1000 values <= "
                         f"{DOT_1000_MAX_CPU}x GET /'s", f"{c1000:.2f}x ({detail('get_dot_1000')})",
                         c1000 <= DOT_1000_MAX_CPU))
        rows.append(_row("13b", f"{server}: server CPU per request, GET /dot 3 values <= "
                         f"{DOT_3_MAX_CPU}x GET /'s", f"{c3:.2f}x ({detail('get_dot_3')})",
                         c3 <= DOT_3_MAX_CPU))
        rate = result["get_dot_1000"]["req_per_s"] / root["req_per_s"]
        rows.append(_row("13c", f"{server}: GET /dot 1000 values >= {DOT_1000_MIN_RATE:.0%} of GET /'s req/s",
                         f"{rate:.0%} ({result['get_dot_1000']['req_per_s']:,.0f} vs "
                         f"{root['req_per_s']:,.0f} req/s)", rate >= DOT_1000_MIN_RATE))
    return rows or [_missing("13", "HTTP (issue 13)", "no server was loaded")]


def evaluate(results):
    micro = results.get("micro")
    alone = results.get("alone")
    rows = target1(micro, alone) + target2(micro, alone) + target2_two_threads(micro, alone)
    if micro:
        rows += target3(micro)
        rows += target4(micro, results.get("instructions"))
    rows += target5(micro or {"sizes": {}}, results.get("micro313"), results.get("rounding"))
    rows += target13_accurate(micro or {"sizes": {}})
    rows += target6(results.get("http"), results.get("http_setup")) + target6_in_process(results.get("wsgi"))
    rows += target7(results.get("image"), results.get("startup"))
    rows += target11(results.get("http"), results.get("http_setup"))
    rows += target13_parse(results.get("parse_speed"))
    rows += target13_http(results.get("http"), results.get("http_setup"))
    return rows


def print_table(rows, write=print):
    for r in rows:
        verdict = {True: "PASS", False: "FAIL", None: "----"}[r["passed"]]
        write(f"  {verdict}  {r['id']:<3} {r['target']}\n              {r['measured']}")
