"""GET /dot?a=...&b=...[&accurate=...]: vectors as comma-separated numbers in the query."""

import math

import pytest
from web_oracle import error_of, exact_dot


def numbers(text):
    """What the service must read from a query value: float() of each comma-separated field."""
    return [float(field) for field in text.split(",")] if text else []


# Each field is read exactly as Python's float() reads it: signs, exponents, surrounding
# spaces, underscores, hex-free decimal forms. Every result is checked against an exact
# rational computation on the values float() gives.
QUERIES = [
    ("1,2,3", "4,5,6"),
    ("-1.5,2.25,0", "4,-8,1e300"),
    (" 1 , 2 ", "3,4"),
    ("+.5,5.,1_000", "2,2,2"),
    ("1e-320,-0.0", "1e10,7"),
    ("0.1,0.2,0.3", "0.3,0.2,0.1"),
    ("", ""),
]


@pytest.mark.parametrize("a, b", QUERIES)
def test_accurate_result_is_the_exactly_rounded_dot(client, a, b):
    response = client.get("/dot", query_string={"a": a, "b": b, "accurate": "true"})
    assert response.status_code == 200
    assert response.get_json() == {"result": exact_dot(numbers(a), numbers(b)), "n": len(numbers(a))}


@pytest.mark.parametrize("a, b", QUERIES)
def test_fast_result_is_close_to_the_exact_dot(client, a, b):
    response = client.get("/dot", query_string={"a": a, "b": b})
    body = response.get_json()
    assert response.status_code == 200 and body["n"] == len(numbers(a))
    # These vectors are well-conditioned: fast mode is within a few ulps.
    assert math.isclose(body["result"], exact_dot(numbers(a), numbers(b)), rel_tol=1e-15)


@pytest.fixture
def accurate_calls(app, monkeypatch):
    """Record the accurate= argument of every dot() call, and still compute for real."""
    calls, real = [], app.extensions["vecdot"]

    class Spy:
        parse, hello = staticmethod(real.parse), staticmethod(real.hello)

        @staticmethod
        def dot(a, b, *, accurate=False):
            calls.append(accurate)
            return real.dot(a, b, accurate=accurate)

    monkeypatch.setitem(app.extensions, "vecdot", Spy)
    return calls


# accurate is true/false/1/0 in any case; absent means false.
@pytest.mark.parametrize("query, accurate", [
    ("", False), ("&accurate=true", True), ("&accurate=TRUE", True), ("&accurate=1", True),
    ("&accurate=false", False), ("&accurate=False", False), ("&accurate=0", False),
])
def test_accurate_flag_selects_the_mode(client, accurate_calls, query, accurate):
    assert client.get("/dot?a=1,2&b=3,4" + query).status_code == 200
    assert accurate_calls == [accurate]


def test_fast_mode_overflow_in_an_intermediate_is_recomputed_exactly(client, accurate_calls):
    # The products are +-1e400, which overflow; the exact sum is 1.0, well in range.
    response = client.get("/dot?a=1e200,1e200,1&b=1e200,-1e200,1")
    assert response.status_code == 200
    assert response.get_json() == {"result": 1.0, "n": 3}
    assert accurate_calls == [False, True]


def test_result_beyond_float64_is_422(client):
    response = client.get("/dot?a=1e300,1e300&b=1e300,1e300")
    assert response.status_code == 422
    assert "overflows float64" in error_of(response)["message"]


# Malformed requests: each is a 400 whose message points at the culprit.
@pytest.mark.parametrize("query, says", [
    ("b=1,2", "missing query parameter 'a'"),
    ("a=1,2", "missing query parameter 'b'"),
    ("a=1,x,3&b=1,2,3", "a is not a comma-separated list of numbers: item 1"),
    ("a=1,2&b=1,,2", "b is not a comma-separated list of numbers: item 1"),
    ("a=1;2&b=1", "item 0"),
    ("a=0x10&b=1", "item 0"),
    ("a=%FF&b=1", "item 0"),
    ("a=1,2,3&b=4,5", "a has 3 numbers and b has 2"),
    ("a=1&a=2&b=3", "'a' is given 2 times"),
    ("a=1&b=2&accurate=yes", "accurate must be true, false, 1 or 0, not 'yes'"),
    ("a=1&b=2&accurate=", "accurate must be"),
])
def test_malformed_query_is_400(client, query, says):
    response = client.get("/dot?" + query)
    assert response.status_code == 400
    assert says in error_of(response)["message"]


# inf and nan parse as numbers but are refused: JSON cannot carry them back. 1e999
# overflows to inf when read, so it is refused the same way.
@pytest.mark.parametrize("a, b, culprit", [
    ("1,inf", "1,2", "a[1] is inf"),
    ("1,2", "-Infinity,2", "b[0] is -inf"),
    ("nan", "0", "a[0] is nan"),
    ("1,1e999", "1,0", "a[1] is inf"),
])
def test_non_finite_input_is_400(client, a, b, culprit):
    response = client.get("/dot", query_string={"a": a, "b": b, "accurate": "true"})
    assert response.status_code == 400
    assert culprit in error_of(response)["message"]


def test_vector_longer_than_the_limit_is_413_before_parsing(make_app):
    client = make_app(MAX_VECTOR_LEN=3).test_client()
    assert client.get("/dot?a=1,2,3&b=4,5,6").status_code == 200
    # Counted from the commas: the non-numbers would be a 400 if they were parsed first.
    response = client.get("/dot?a=x,x,x,x&b=1")
    assert response.status_code == 413
    assert "a vector has 4 numbers; the limit is 3" in error_of(response)["message"]


def test_default_query_limit_carries_a_thousand_full_precision_values(client):
    values = [(-1) ** i * (i + 0.123456789012345) * 1e-7 for i in range(1000)]
    text = ",".join(repr(v) for v in values)
    response = client.get("/dot", query_string={"a": text, "b": text, "accurate": "1"})
    assert response.status_code == 200
    assert response.get_json() == {"result": exact_dot(values, values), "n": 1000}
