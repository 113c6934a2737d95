"""The "What the numbers say" section of docs/benchmarks.md: for each figure that misses
its target, the mechanism behind it, with this run's numbers.

Each note is written only when its figure misses, so the report never explains a
failure that did not happen.
"""


def _ns(micro, n, name):
    row = (micro or {}).get("sizes", {}).get(str(n), {})
    return row[name]["ns"] if name in row else None


def analysis(results):
    """Markdown bullets, one per missed target, or a line saying none was missed."""
    micro, notes = results.get("micro"), []
    if micro:
        losing = [int(n) for n, r in micro["sizes"].items()
                  if "numpy" in r and "vecdot" in r and r["numpy"]["ns"] < r["vecdot"]["ns"]]
        if losing:
            notes.append(
                f"- **numpy wins at n = {', '.join(f'{n:,}' for n in sorted(losing))}** (target 1). "
                "OpenBLAS's ddot splits a vector over both cores from about 10,000 elements, "
                "while vecdot starts its second thread only at 2 x VD_MIN_PER_THREAD elements; "
                "see the thread table for where a second thread pays with vecdot's kernel.")
        v3, noop = _ns(micro, 3, "vecdot_list"), _ns(micro, 3, "noop")
        b3 = _ns(micro, 3, "vecdot")
        if v3 and noop:
            notes.append(
                f"- **Call overhead** (target 4): the no-op C call costs {noop:.0f} ns from Python, "
                f"vecdot.dot on two 3-element lists {v3:.0f} ns and on two numpy arrays "
                f"{b3:.0f} ns. The difference is dot's own work: two argument conversions, each "
                "through limited-API function calls (PyList_GetItem, PyFloat_AsDouble), or for "
                "numpy arrays two PyObject_GetBuffer/PyBuffer_Release pairs, which numpy "
                "answers by filling a format string, shape and strides; then PyFloat_FromDouble "
                "for the result. A 1.5x budget leaves "
                f"{noop / 2:.0f} ns for all of that. Cython's list loop, which does about the "
                "least a list dot product can (inline macros, no keyword arguments), takes "
                f"{_ns(micro, 3, 'cython_list') or float('nan'):.0f} ns: the target is out of "
                "reach for any function that converts two lists and returns a new float. The "
                "instruction counts below show where vecdot's extra work goes.")
        v, py = _ns(micro, 1000, "vecdot_list"), _ns(micro, 1000, "py_map")
        cy = _ns(micro, 1000, "cython_list")
        if v and py and cy and py < 20 * v:
            notes.append(
                f"- **Lists, 20x pure Python** (target 3a): at n = 1000 `sum(map(mul, a, b))` takes "
                f"{py / 1e3:.1f} µs, so 20x needs {py / 20:,.0f} ns for the whole call: "
                f"{py / 20 / 2000:.2f} ns per list item. Reading a Python float out of a list "
                f"cannot go that fast: even Cython's inline macros take {cy / 2000:.2f} ns per item "
                f"({py / cy:.1f}x pure Python). The pure-Python loop is itself C inside CPython "
                "(map and operator.mul), so the gap left is the boxing of each product, not the "
                "loop. Float64 buffers are where vecdot is 20x and more ahead (table above).")
        v_small, cy_small = _ns(micro, 3, "vecdot_list"), _ns(micro, 3, "cython_list")
        if v and cy and cy <= v:
            per_v = (v - v_small) / 997 / 2
            per_cy = (cy - cy_small) / 997 / 2
            notes.append(
                f"- **Lists: Cython's loop is faster** (target 3b): {per_cy:.2f} ns per element "
                f"against vecdot's {per_v:.2f} ns. Cython compiles against the full C API: "
                "PyList_GET_ITEM and PyFloat_AS_DOUBLE are inline loads. vecdot is built on the "
                "limited API (one abi3 wheel), where both are real function calls per element, "
                "and it converts each list into a C array before the kernel runs.")
        acc, fast = _ns(micro, 1_000_000, "vecdot_acc"), _ns(micro, 1_000_000, "vecdot")
        if acc and fast and acc > 3 * fast:
            notes.append(
                f"- **accurate=True at n = 1e6** is {acc / fast:.1f}x the fast mode, which uses "
                "both cores there; the compensated pass runs on one.")
    parse = results.get("parse", {}).get("repr17")
    http = results.get("http", {})
    for server, r in http.items():
        if server.endswith("pure-Python") or "get_root" not in r:
            continue
        root_us = 1e6 / r["get_root"]["req_per_s"]
        dot_us = 1e6 / r["get_dot_1000"]["req_per_s"]
        line = (f"- **GET /dot with 1000 values, {server}**: {dot_us:.0f} µs of wall time per request "
                f"at full load against {root_us:.0f} µs for GET /")
        if parse:
            line += (f"; parsing its 2000 17-digit values alone costs 2000 x "
                     f"{parse['vecdot.parse']:.0f} ns = {2 * parse['vecdot.parse']:.0f} µs of "
                     "CPU in vecdot.parse (table above): most such values miss parse.c's "
                     "fast path (digits < 2^53) and go through strtod. orjson reads the same "
                     f"values at {parse['orjson.loads']:.0f} ns each")
        notes.append(line + ".")
    return "\n".join(notes) or "Every target measured in this run passes."
