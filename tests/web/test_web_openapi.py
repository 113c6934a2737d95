"""/openapi.json describes exactly the app's routes, and real responses match its schemas."""

import re

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from web_oracle import packed

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # added to every route by Flask


@pytest.fixture
def spec(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_is_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1.")


def test_documents_exactly_the_routes_and_methods_the_app_serves(app, spec):
    # Flask writes a path parameter <name>, OpenAPI {name}.
    served = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method) for rule in app.url_map.iter_rules()
              for method in rule.methods - IGNORED_METHODS}
    documented = {(path, method.upper()) for path, item in spec["paths"].items()
                  for method in item}
    assert documented == served


def test_every_schema_is_valid_json_schema(spec):
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_states_the_configured_limits(make_app):
    spec = make_app(MAX_VECTOR_LEN=7, MAX_NAME_LEN=9).test_client().get("/openapi.json").get_json()
    vector = spec["components"]["schemas"]["DotRequest"]["properties"]["a"]
    assert vector["maxItems"] == 7
    assert spec["paths"]["/"]["get"]["parameters"][0]["schema"]["maxLength"] == 9


# One real request for every response the document lists (but 503, which
# test_web_health covers, and the document itself).
EXCHANGES = [
    ("GET", "/", None, None, 200),
    ("GET", "/?name=", None, None, 400),
    ("GET", "/?a=" + "1" * 70_000, None, None, 413),
    ("GET", "/dot?a=1,2&b=3,4&accurate=true", None, None, 200),
    ("GET", "/dot?a=1,x&b=3,4", None, None, 400),
    ("GET", "/dot?a=1," * 10_000 + "&b=1", None, None, 413),
    ("GET", "/dot?a=1e300&b=1e300", None, None, 422),
    ("POST", "/dot", b'{"a": [1, 2.5], "b": [3, 4], "accurate": false}', "application/json", 200),
    ("POST", "/dot?accurate=1", packed([1.0], [2.0]), "application/octet-stream", 200),
    ("POST", "/dot", b'{"a": [1], "b": [true]}', "application/json", 400),
    ("POST", "/dot", b" " * (17 * 1024 * 1024), "application/json", 413),
    ("POST", "/dot", packed([1e300], [1e300]), "application/octet-stream", 422),
    ("POST", "/dot", b"a=1", "text/plain", 415),
    ("GET", "/healthz", None, None, 200),
]


@pytest.mark.parametrize("method, path, body, content_type, status", EXCHANGES)
def test_real_responses_match_the_documented_schema(client, spec, method, path, body,
                                                    content_type, status):
    response = client.open(path, method=method, data=body, content_type=content_type)
    assert response.status_code == status
    operation = spec["paths"][path.partition("?")[0]][method.lower()]
    documented = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    # The schema is a $ref into the document: resolve it there.
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(spec))
    schema = {"$ref": "urn:openapi" + documented["$ref"]}
    Draft202012Validator(schema, registry=registry).validate(response.get_json())


# The documented request schema accepts exactly the JSON bodies the app accepts
# (bodies whose vectors have different lengths aside: a schema cannot say that).
@pytest.mark.parametrize("body, accepted", [
    ({"a": [1, 2.5], "b": [3, -4]}, True),
    ({"a": [], "b": [], "accurate": True}, True),
    ({"a": [True], "b": [1]}, False),
    ({"a": [None], "b": [1]}, False),
    ({"a": ["1"], "b": [1]}, False),
    ({"a": "1", "b": [1]}, False),
    ({"b": [1]}, False),
    ({"a": [1], "b": [1], "accurate": "yes"}, False),
    ({"a": [1], "b": [1], "acurate": True}, False),
])
def test_request_schema_agrees_with_the_app(client, spec, body, accepted):
    schema = spec["components"]["schemas"]["DotRequest"]
    assert Draft202012Validator(schema).is_valid(body) == accepted
    assert (client.post("/dot", json=body).status_code == 200) == accepted
