"""POST /dot with application/octet-stream: a then b as little-endian float64, equal halves."""

import io
import math
import sys

import pytest
from vecdot_web import reading
from web_oracle import error_of, exact_dot, packed

BINARY = "application/octet-stream"


def post(client, body, query=""):
    return client.post("/dot" + query, data=body, content_type=BINARY)


@pytest.mark.parametrize("a, b", [
    ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]),
    ([0.1, -2.5e-300, 7.0], [3.0, 1e300, -0.0]),
    ([], []),
])
def test_result_is_the_dot_of_the_two_halves(client, a, b):
    accurate = post(client, packed(a, b), "?accurate=true").get_json()
    assert accurate == {"result": exact_dot(a, b), "n": len(a)}
    fast = post(client, packed(a, b)).get_json()
    assert math.isclose(fast["result"], exact_dot(a, b), rel_tol=1e-15)


def test_body_is_viewed_in_place_not_copied(app):
    # The no-per-element-work promise: the vectors are views of the request's bytes.
    if sys.byteorder != "little":
        pytest.skip("big-endian hosts byte-swap into one array, by design")
    with app.test_request_context("/dot", method="POST", data=packed([1.0], [2.0]),
                                  content_type=BINARY):
        a, b, accurate = reading.binary_vectors()
    assert isinstance(a, memoryview) and isinstance(b, memoryview)
    assert a.obj is b.obj and isinstance(a.obj, bytes)
    assert (a.tolist(), b.tolist(), accurate) == ([1.0], [2.0], False)


# A body that cannot be two equal float64 halves.
@pytest.mark.parametrize("size", [1, 8, 15, 24, 33])
def test_length_not_a_multiple_of_16_is_400(client, size):
    response = post(client, bytes(size))
    assert response.status_code == 400
    assert f"the body is {size} bytes" in error_of(response)["message"]


@pytest.mark.parametrize("a, b, culprit", [
    ([1.0, math.inf], [1.0, 1.0], "a[1] is inf"),
    ([1.0, 2.0], [-math.inf, 0.0], "b[0] is -inf"),
    ([math.nan], [0.0], "a[0] is nan"),
])
def test_non_finite_input_is_400(client, a, b, culprit):
    response = post(client, packed(a, b))
    assert response.status_code == 400
    assert culprit in error_of(response)["message"]


def test_overflowing_result_is_422(client):
    assert post(client, packed([1e300, 1e300], [1e300, 1e300])).status_code == 422


def test_bad_accurate_flag_is_400(client):
    response = post(client, packed([1.0], [1.0]), "?accurate=maybe")
    assert response.status_code == 400


def test_vector_longer_than_the_limit_is_413_from_the_header(make_app):
    client = make_app(MAX_VECTOR_LEN=2).test_client()
    assert post(client, packed([1.0, 2.0], [3.0, 4.0])).status_code == 200
    response = post(client, packed([1.0] * 3, [1.0] * 3))
    assert response.status_code == 413
    assert "a vector has 3 numbers; the limit is 2" in error_of(response)["message"]


def test_chunked_body_over_the_vector_limit_is_413(make_app):
    # No Content-Length: the count is only known once the body is read.
    client = make_app(MAX_VECTOR_LEN=2).test_client()
    body = packed([1.0] * 3, [1.0] * 3)
    response = client.post("/dot", content_type=BINARY, environ_overrides={
        "wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True,
        "HTTP_TRANSFER_ENCODING": "chunked"})
    assert response.status_code == 413
    assert "a vector has 3 numbers" in error_of(response)["message"]
