"""Every error is JSON in one shape; no request produces a 500 or an HTML page."""

import logging

import pytest
from web_oracle import error_of


def test_unknown_route_is_404_json(client):
    response = client.get("/no-such-route")
    assert response.status_code == 404
    error_of(response)


@pytest.mark.parametrize("method, path, allowed", [
    ("PUT", "/dot", {"GET", "HEAD", "POST", "OPTIONS"}),
    ("DELETE", "/", {"GET", "HEAD", "OPTIONS"}),
    ("POST", "/healthz", {"GET", "HEAD", "OPTIONS"}),
])
def test_wrong_method_is_405_json_with_allow(client, method, path, allowed):
    response = client.open(path, method=method)
    assert response.status_code == 405
    error_of(response)
    assert set(response.headers["Allow"].split(", ")) == allowed


# POST /dot takes exactly two media types; parameters such as charset do not matter.
@pytest.mark.parametrize("content_type", [
    None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
    "application/json-patch+json", "application/octetstream",
])
def test_other_content_type_is_415(client, content_type):
    response = client.post("/dot", data=b'{"a": [1], "b": [1]}', content_type=content_type)
    assert response.status_code == 415
    assert "application/json or application/octet-stream" in error_of(response)["message"]


def test_a_bug_is_a_logged_json_500_without_internals(make_app, caplog):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in error_of(response)["message"]
    assert "secret detail" in caplog.text  # the log keeps what the client does not see


# Hostile and malformed requests across every route: each gets the 4xx it deserves,
# and the catch-all handler (which logs at ERROR) is never reached.
HOSTILE = [
    ("GET", "/?name=%00", None, None, 400),
    ("GET", "/dot?a=%FF%FE&b=1", None, None, 400),
    ("GET", "/dot?a=1e308,1e308&b=1e308,1e308", None, None, 422),
    ("GET", "/dot?a=" + "9" * 400 + "&b=1", None, None, 400),
    ("GET", "/dot?a=-nan&b=1", None, None, 400),
    ("GET", "/dot?a=1&b=1&accurate=%00", None, None, 400),
    ("POST", "/dot", b'{"a": [1e308, 1e308], "b": [10, 10]}', "application/json", 422),
    ("POST", "/dot", b'{"a": [1' + b"0" * 400 + b'], "b": [1]}', "application/json", 400),
    ("POST", "/dot", b'{"a": {"__class__": 1}, "b": []}', "application/json", 400),
    ("POST", "/dot", b"\x00" * 17, "application/octet-stream", 400),
    ("POST", "/dot", b"\xff" * 16, "application/octet-stream", 400),
    ("POST", "/dot", b"a=1&b=2", "application/x-www-form-urlencoded", 415),
    ("GET", "/healthz/", None, None, 404),
    ("GET", "/dot/", None, None, 404),
    ("PATCH", "/openapi.json", None, None, 405),
]


@pytest.mark.parametrize("method, path, body, content_type, status", HOSTILE)
def test_hostile_requests_get_their_4xx_not_the_catch_all(client, caplog, method, path,
                                                          body, content_type, status):
    with caplog.at_level(logging.ERROR):
        response = client.open(path, method=method, data=body, content_type=content_type)
    assert response.status_code == status
    error_of(response)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
