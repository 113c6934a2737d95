"""One abusive client, for tests/e2e/test_abuse.py: 32 connections, half of them sending
the largest JSON body the limits allow over and over, half rapid small GETs, for a
bounded number of seconds; then one line of JSON with what it got back.

Standard library only, so it runs on the host and inside the service's own image (from
another address): python flood.py HOST PORT SECONDS
"""

import http.client
import json
import sys
import threading
import time

# 2 x 1e6 values of 8 bytes: just under VECDOT_MAX_BODY_BYTES (16 MiB) and exactly
# VECDOT_MAX_VECTOR_LEN, so every one is a valid request the service must work through.
N = 1_000_000
VECTOR = b"[" + b"1.25e-3," * (N - 1) + b"1.25e-3]"
LARGE = b'{"a":' + VECTOR + b',"b":' + VECTOR + b"}"
CONNECTIONS = 32


def flood(host, port, seconds, large, counts, lock):
    deadline = time.monotonic() + seconds
    conn = None
    while time.monotonic() < deadline:
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=30)
            if large:
                conn.request("POST", "/dot", body=LARGE, headers={"Content-Type": "application/json"})
            else:
                conn.request("GET", "/dot?a=1,2,3&b=4,5,6")
            response = conn.getresponse()
            response.read()
            key = str(response.status)
            if response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            key = type(exc).__name__
            if conn is not None:
                conn.close()
            conn = None
        with lock:
            counts[key] = counts.get(key, 0) + 1


def main(host, port, seconds):
    counts, lock = {}, threading.Lock()
    threads = [threading.Thread(target=flood, args=(host, int(port), float(seconds), i % 2 == 0, counts, lock))
               for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(counts, sort_keys=True))


if __name__ == "__main__":
    main(*sys.argv[1:])
