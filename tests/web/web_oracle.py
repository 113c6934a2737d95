"""Independent answers for the web tests: exact rational arithmetic, no vecdot involved."""

import struct
from fractions import Fraction


def exact_dot(a, b):
    """The exact dot product of the floats' values, rounded once (what accurate=True promises)."""
    return float(sum(Fraction(x) * Fraction(y) for x, y in zip(a, b, strict=True)))


def packed(a, b):
    """A binary /dot body: a then b, little-endian float64."""
    return struct.pack(f"<{len(a) + len(b)}d", *a, *b)


def error_of(response):
    """The error object of a JSON error response, after checking the shape every error has."""
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "message"}
    assert body["error"]["status"] == response.status_code
    return body["error"]
