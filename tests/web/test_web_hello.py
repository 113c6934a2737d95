"""GET /: a greeting built by vecdot.hello, with an optional, validated name."""

import pytest
import vecdot
from web_oracle import error_of


def test_greets_the_world_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.get_json()["message"] == vecdot.hello()


def test_names_the_docs_and_the_openapi_document(client):
    # A newcomer who opens the root in a browser learns where to go next.
    body = client.get("/").get_json()
    assert (body["docs"], body["openapi"]) == ("/docs", "/openapi.json")
    assert client.get(body["docs"]).status_code == 200
    assert client.get(body["openapi"]).status_code == 200


# Names are passed through to hello() unchanged, whatever their script or punctuation.
@pytest.mark.parametrize("name", ["Ada", "Grace Hopper", "Zoë", "李白", "O'Brien & co", "x" * 100])
def test_greets_the_given_name(client, name):
    response = client.get("/", query_string={"name": name})
    assert response.status_code == 200
    assert response.get_json()["message"] == vecdot.hello(name)


# Rejected names: empty, longer than MAX_NAME_LEN (100), or holding characters that
# would corrupt a log line or a terminal.
@pytest.mark.parametrize("name, says", [
    ("", "1 to 100 characters"),
    ("x" * 101, "1 to 100 characters"),
    ("line\nbreak", "unprintable"),
    ("tab\there", "unprintable"),
    ("bell\x07", "unprintable"),
    ("zero\u200bwidth", "unprintable"),
])
def test_rejects_bad_names_with_400(client, name, says):
    response = client.get("/", query_string={"name": name})
    assert response.status_code == 400
    assert says in error_of(response)["message"]


def test_name_limit_comes_from_settings(make_app):
    client = make_app(MAX_NAME_LEN=3).test_client()
    assert client.get("/?name=abc").status_code == 200
    assert client.get("/?name=abcd").status_code == 400


def test_repeated_name_is_ambiguous(client):
    response = client.get("/?name=a&name=b")
    assert response.status_code == 400
    assert "2 times" in error_of(response)["message"]
