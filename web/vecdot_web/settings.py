"""The service's settings: their defaults in one place, and a check that they make sense.

Each setting can be overridden by an environment variable with the ``VECDOT_`` prefix
(``VECDOT_MAX_VECTOR_LEN=1000``); Flask parses the value as JSON, so numbers arrive
as ints and ``true``/``1`` as truthy values. docs/web.md has the table.
"""

DEFAULTS = {
    # Longest vector accepted on any route. 1e6 float64 values per vector is 16 MB of
    # binary body, which a worker reads and multiplies in a few milliseconds.
    "MAX_VECTOR_LEN": 1_000_000,
    # Largest request body. 16 MiB holds the largest binary request (2 x 1e6 x 8 bytes)
    # and bounds what one JSON request can make a worker allocate.
    "MAX_BODY_BYTES": 16 * 1024 * 1024,
    # Longest query string. 64 KiB carries GET /dot with a thousand 17-digit values;
    # gunicorn's limit_request_line sits just above it so the app, not gunicorn, answers.
    "MAX_QUERY_BYTES": 64 * 1024,
    # Longest name GET / greets: enough for any real name, small enough to log.
    "MAX_NAME_LEN": 100,
    # Benchmark only: swap the C extension for vecdot._native (pure Python), so the
    # benchmark can show what the extension buys over HTTP. Never set in production.
    "PURE_PYTHON": False,
    # Prometheus series and GET /metrics (web/vecdot_web/metrics.py). Off only to measure
    # what they cost (make bench).
    "METRICS": True,
}

_POSITIVE_INTS = ("MAX_VECTOR_LEN", "MAX_BODY_BYTES", "MAX_QUERY_BYTES", "MAX_NAME_LEN")


def check(config):
    """Raise ValueError at startup for a setting that would break requests later."""
    for key in _POSITIVE_INTS:
        value = config[key]
        # bool is an int subclass, and VECDOT_MAX_BODY_BYTES=true is surely a mistake.
        if type(value) is not int or value <= 0:
            raise ValueError(f"VECDOT_{key} must be a positive integer, not {value!r}")
    for key in ("PURE_PYTHON", "METRICS"):
        if not isinstance(config[key], (bool, int)):
            raise ValueError(f"VECDOT_{key} must be true or false, not {config[key]!r}")
