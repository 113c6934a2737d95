"""Size limits: measured from what a request declares, before any value is parsed."""

import io

import pytest
from vecdot_web.settings import DEFAULTS
from web_oracle import error_of, packed

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


def chunked(client, body, content_type="application/json"):
    """POST a body with no Content-Length, as a server does that has decoded chunking."""
    stream = body if hasattr(body, "read") else io.BytesIO(body)
    return client.post("/dot", content_type=content_type, environ_overrides={
        "wsgi.input": stream, "wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"})


def test_chunked_body_at_the_limit_is_read_whole(small_client):
    body = b'{"a": [1], "b": [2]}'
    assert chunked(small_client, body.ljust(256)).get_json() == {"result": 2.0, "n": 1}


# One byte over is a 413, not the first MAX_BODY_BYTES parsed as if they were the body
# (what werkzeug's get_data() would hand back): valid JSON padded past the limit proves it.
@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream"])
def test_chunked_body_over_the_limit_is_413(small_client, content_type):
    body = (b'{"a": [1], "b": [2]}' if content_type == "application/json" else packed([1.0], [2.0]))
    response = chunked(small_client, body.ljust(257), content_type)
    assert response.status_code == 413
    assert "over the limit of 256 bytes" in error_of(response)["message"]


class BrokenStream:
    """A request body the server fails to read, the way gunicorn fails on a bad chunk."""

    class InvalidChunkSize(Exception):  # gunicorn's derives from Exception, not OSError
        pass

    def read(self, size=-1):
        raise self.InvalidChunkSize("chunk size is not hex")


@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream"])
def test_body_the_server_cannot_read_is_400_not_500(small_client, caplog, content_type):
    response = chunked(small_client, BrokenStream(), content_type)
    assert response.status_code == 400
    assert "the body could not be read (InvalidChunkSize)" in error_of(response)["message"]
    assert "unhandled" not in caplog.text


def test_default_body_limit_holds_two_vectors_of_the_default_maximum_length():
    assert 2 * 8 * DEFAULTS["MAX_VECTOR_LEN"] <= DEFAULTS["MAX_BODY_BYTES"]


@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream"])
def test_body_shorter_than_its_content_length_is_400(client, content_type):
    # A client that hung up mid-body: what arrived is not the body it announced.
    response = client.post("/dot", data=b"{}", content_type=content_type,
                           environ_overrides={"CONTENT_LENGTH": "32"})
    assert response.status_code == 400
    assert "the body ended after 2 of its 32 bytes" in error_of(response)["message"]
