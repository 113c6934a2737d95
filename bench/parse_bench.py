"""What a /dot request spends before the dot product: turning text into float64s.

Issue 5 found that parsing, not arithmetic, is where the request time goes. This times,
interleaved, for 1000 values of three shapes (17-digit repr, as JSON and Python clients
send; 6 decimals; small integers):
- the query string: vecdot.parse (C) against float() on each field (the pure-Python way);
- JSON bodies: orjson.loads (the service's choice) against the standard json.loads.
Results are ns per value.
"""

import json
import random

import orjson
import timing
import vecdot

N = 1000


def texts():
    rng = random.Random(5)
    values = [rng.uniform(-1, 1) for _ in range(N)]
    return {
        "repr17": values,
        "decimal6": [round(v, 6) for v in values],
        "int": [rng.randrange(-1000, 1000) for _ in range(N)],
    }


def run(rounds, sample_ms, log):
    result = {}
    for shape, values in texts().items():
        csv = ",".join(map(repr, values))
        body = json.dumps({"a": values, "b": values}).encode()
        env = {"parse": vecdot.parse, "csv": csv, "orjson_loads": orjson.loads,
               "json_loads": json.loads, "body": body}
        cases = [
            timing.Case("vecdot.parse", "parse(csv)", env),
            timing.Case("float() per field", "[float(f) for f in csv.split(',')]", env),
            timing.Case("orjson.loads", "orjson_loads(body)", env),
            timing.Case("json.loads", "json_loads(body)", env),
        ]
        timing.run_rounds(cases, rounds, sample_ms * 1e6)
        # The JSON body holds 2N values, the CSV text N.
        per_value = {c.name: c.median / (2 * N if "loads" in c.name else N) for c in cases}
        result[shape] = per_value
        log("  parse " + shape + ": " + ", ".join(f"{k} {v:.1f} ns" for k, v in per_value.items()))
    return result
