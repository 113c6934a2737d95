"""POST /dot with application/json: {"a": [...], "b": [...], "accurate": false}."""

import math

import pytest
from web_oracle import error_of, exact_dot


def post(client, body, content_type="application/json"):
    return client.post("/dot", data=body, content_type=content_type)


# Integers and floats mix freely; integers up to 2**64 - 1 are read exactly and rounded
# to float64 as vecdot does; larger ones arrive as floats (what their decimal text rounds to).
VECTORS = [
    ([1, 2, 3], [4, 5, 6]),
    ([0.5, -2, 1e-300], [3, 0.25, 1e300]),
    ([2**53 + 1, 1], [1, -(2**53)]),
    ([18446744073709551615], [1]),
    ([], []),
]


@pytest.mark.parametrize("a, b", VECTORS)
def test_accurate_result_is_the_exactly_rounded_dot(client, a, b):
    response = client.post("/dot", json={"a": a, "b": b, "accurate": True})
    assert response.status_code == 200
    expected = exact_dot([float(x) for x in a], [float(y) for y in b])
    assert response.get_json() == {"result": expected, "n": len(a)}


@pytest.mark.parametrize("a, b", VECTORS)
def test_fast_result_is_close_to_the_exact_dot(client, a, b):
    body = client.post("/dot", json={"a": a, "b": b}).get_json()
    expected = exact_dot([float(x) for x in a], [float(y) for y in b])
    assert body["n"] == len(a) and math.isclose(body["result"], expected, rel_tol=1e-15)


def test_accurate_true_is_exact_where_fast_mode_may_cancel(client):
    # 2**60 + 1 - 2**60: only exact summation is guaranteed to keep the 1.
    body = {"a": [2.0**60, 1.0, -(2.0**60)], "b": [1, 1, 1], "accurate": True}
    assert client.post("/dot", json=body).get_json() == {"result": 1.0, "n": 3}


def test_charset_parameter_is_accepted(client):
    response = post(client, b'{"a": [1], "b": [2]}', "application/json; charset=utf-8")
    assert response.get_json() == {"result": 2.0, "n": 1}


def test_duplicate_keys_take_the_last_value(client):
    # As in JavaScript and Python's json module; documented in docs/web.md.
    response = post(client, b'{"a": [100], "a": [1], "b": [2]}')
    assert response.get_json() == {"result": 2.0, "n": 1}


def test_overflowing_result_is_422(client):
    response = client.post("/dot", json={"a": [1e300], "b": [1e300]})
    assert response.status_code == 422


# Bodies that are not the documented object: 400, naming what is wrong.
@pytest.mark.parametrize("body, says", [
    (b"", "not valid JSON"),
    (b"{", "not valid JSON"),
    (b'{"a": [1], "b": [2]} x', "not valid JSON"),
    (b'{"a": [NaN], "b": [1]}', "not valid JSON"),
    (b'{"a": [Infinity], "b": [1]}', "not valid JSON"),
    (b'{"a": [1e999], "b": [1]}', "not valid JSON"),
    (b'{"a": ["\xff"], "b": [1]}', "not valid JSON"),
    (b"[" * 2000 + b"]" * 2000, "not valid JSON"),
    (b"[[1], [2]]", "must be a JSON object"),
    (b"null", "must be a JSON object"),
    (b'{"b": [1]}', "missing key 'a'"),
    (b'{"a": [1]}', "missing key 'b'"),
    (b'{"a": [1], "b": [1], "acurate": true}', "unknown key 'acurate'"),
    (b'{"a": "1,2", "b": [1, 2]}', "a must be an array of numbers"),
    (b'{"a": [1], "b": {"0": 1}}', "b must be an array of numbers"),
    (b'{"a": null, "b": [1]}', "a must be an array of numbers"),
    (b'{"a": [1, "2"], "b": [1, 2]}', "a[1] is a string, not a number"),
    (b'{"a": [1, 2], "b": [null, 2]}', "b[0] is null, not a number"),
    (b'{"a": [true, 2], "b": [1, 2]}', "a[0] is a boolean, not a number"),
    (b'{"a": [[1], 2], "b": [1, 2]}', "a[0] is an array, not a number"),
    (b'{"a": [1, {}], "b": [1, 2]}', "a[1] is an object, not a number"),
    (b'{"a": [1], "b": [1], "accurate": "true"}', "accurate must be true or false"),
    (b'{"a": [1], "b": [1], "accurate": 1}', "accurate must be true or false"),
    (b'{"a": [1, 2], "b": [1]}', "a has 2 numbers and b has 1"),
])
def test_malformed_body_is_400(client, body, says):
    response = post(client, body)
    assert response.status_code == 400
    assert says in error_of(response)["message"]


def test_accurate_in_the_query_of_a_json_request_is_400(client):
    # Otherwise ?accurate=true beside a JSON body would silently compute in fast mode.
    response = client.post("/dot?accurate=true", json={"a": [1], "b": [2]})
    assert response.status_code == 400
    assert "accurate is a key of the body" in error_of(response)["message"]


def test_vector_longer_than_the_limit_is_413(make_app):
    client = make_app(MAX_VECTOR_LEN=2).test_client()
    assert client.post("/dot", json={"a": [1, 2], "b": [3, 4]}).status_code == 200
    response = client.post("/dot", json={"a": [1, 2, 3], "b": [3, 4, 5]})
    assert response.status_code == 413
    assert "a vector has 3 numbers; the limit is 2" in error_of(response)["message"]
