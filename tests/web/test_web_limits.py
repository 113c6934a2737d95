"""Size limits: measured from what a request declares, before any value is parsed."""

import io

import pytest

from web_oracle import error_of, packed
from vecdot_web.settings import DEFAULTS

SMALL = {"MAX_QUERY_BYTES": 64, "MAX_BODY_BYTES": 256}


@pytest.fixture
def small_client(make_app):
    return make_app(**SMALL).test_client()


# The query string is measured in raw bytes on every route, found or not.
def query_of_length(size):
    """A valid /dot query of exactly `size` bytes (the unknown pad parameter is ignored)."""
    query = "a=1,2&b=3,4&pad="
    return query + "x" * (size - len(query))


# The query string is measured in raw bytes on every route, found or not.
@pytest.mark.parametrize("path", ["/", "/dot", "/healthz", "/no-such-route"])
def test_query_string_over_the_limit_is_413(small_client, path):
    response = small_client.get(path + "?" + query_of_length(65))
    assert response.status_code == 413
    assert "the query string is 65 bytes; the limit is 64" in error_of(response)["message"]


def test_query_string_at_the_limit_is_served(small_client):
    response = small_client.get("/dot?" + query_of_length(64))
    assert response.get_json() == {"result": 11.0, "n": 2}


@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream",
                                          "text/plain"])
def test_declared_body_over_the_limit_is_413_whatever_its_type(small_client, content_type):
    response = small_client.post("/dot", data=b" " * 257, content_type=content_type)
    assert response.status_code == 413
    assert "the body is 257 bytes; the limit is 256" in error_of(response)["message"]


def test_chunked_body_over_the_limit_is_413_while_it_is_read(small_client):
    # No Content-Length: werkzeug stops reading at MAX_BODY_BYTES and raises 413.
    response = small_client.post(
        "/dot", input_stream=io.BytesIO(packed([1.0] * 17, [1.0] * 17)),
        content_type="application/octet-stream",
        environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    error_of(response)


def test_default_body_limit_holds_two_vectors_of_the_default_maximum_length():
    assert 2 * 8 * DEFAULTS["MAX_VECTOR_LEN"] <= DEFAULTS["MAX_BODY_BYTES"]


@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream"])
def test_body_shorter_than_its_content_length_is_400(client, content_type):
    # A client that hung up mid-body: what arrived is not the body it announced.
    response = client.post("/dot", data=b"{}", content_type=content_type,
                           environ_overrides={"CONTENT_LENGTH": "32"})
    assert response.status_code == 400
    assert "the body ended after 2 of its 32 bytes" in error_of(response)["message"]
