"""GET /openapi.json: the OpenAPI 3.1 description of the service, kept here and nowhere else.

The document is built from the app's config so the limits it states (maxItems,
maxLength) are the ones in force. tests/web/test_web_openapi.py checks it against the app's
real routes and validates real responses against its schemas.
"""

from flask import Blueprint, current_app

bp = Blueprint("openapi", __name__)


def _error(description):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(description, schema):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


_ACCURATE = {
    "name": "accurate", "in": "query", "required": False,
    "description": "true for the correctly rounded result (case-insensitive true/false/1/0)",
    "schema": {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)$"},
}
_DOT_ERRORS = {
    "400": _error("malformed or non-finite numbers, different lengths, a bad parameter"),
    "413": _error("a vector, the body or the query string is over its limit"),
    "422": _error("the result overflows float64"),
    "503": _error("the vecdot extension is not available"),
}


def _vector_param(name, config, example):
    return {"name": name, "in": "query", "required": True,
            "description": f"comma-separated finite numbers, at most {config['MAX_VECTOR_LEN']}"
                           " (each as Python's float() reads it)",
            "schema": {"type": "string"}, "example": example}


def _html(description):
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def spec(config):
    vector = {"type": "array", "items": {"type": "number"}, "maxItems": config["MAX_VECTOR_LEN"]}
    return {
        "openapi": "3.1.0",
        "info": {"title": "vecdot", "version": "0.1.0",
                 "description": "Dot products computed by a C extension, served as JSON."},
        "paths": {
            "/": {"get": {
                "summary": "A greeting built in C",
                "parameters": [{"name": "name", "in": "query", "required": False, "example": "Ada",
                                "schema": {"type": "string", "minLength": 1,
                                           "maxLength": config["MAX_NAME_LEN"]}}],
                "responses": {"200": _ok("the greeting", "Greeting"),
                              "400": _error("the name is empty, too long or unprintable"),
                              "413": _error("the query string is over its limit"),
                              "503": _error("the vecdot extension is not available")}}},
            "/dot": {
                "get": {
                    "summary": "Dot product of two vectors given in the query string",
                    "parameters": [_vector_param("a", config, "1,2,3"), _vector_param("b", config, "4,5,6"),
                                   _ACCURATE],
                    "responses": {"200": _ok("the dot product", "DotResult"), **_DOT_ERRORS}},
                "post": {
                    "summary": "Dot product of two vectors given in the body",
                    "parameters": [dict(_ACCURATE, description=(
                        "for application/octet-stream bodies; with a JSON body (which has its own key) a 400"))],
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/DotRequest"},
                                             "example": {"a": [1, 2, 3], "b": [4, 5, 6], "accurate": False}},
                        "application/octet-stream": {
                            "description": "a then b, little-endian float64, equal halves",
                            "schema": {"type": "string", "contentMediaType":
                                       "application/octet-stream",
                                       "maxLength": config["MAX_BODY_BYTES"]}}}},
                    "responses": {"200": _ok("the dot product", "DotResult"), **_DOT_ERRORS,
                                  "415": _error("the body is neither JSON nor octet-stream")}}},
            "/healthz": {"get": {
                "summary": "Whether the extension is loaded and computes correctly",
                "responses": {"200": _ok("healthy", "Health"),
                              "503": _error("the extension is missing or wrong")}}},
            "/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "the OpenAPI document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/docs": {"get": {
                "summary": "Swagger UI: this document, explorable in a browser",
                "responses": {"200": _html("the page"),
                              "503": _error("the documentation assets are not installed")}}},
            "/docs/init.js": {"get": {
                "summary": "The script that starts Swagger UI on /docs",
                "responses": {"200": {"description": "JavaScript",
                                      "content": {"text/javascript": {"schema": {"type": "string"}}}}}}},
            "/docs/assets/{name}": {"get": {
                "summary": "Swagger UI's own files, served from the pinned swagger-ui-py package",
                "parameters": [{"name": "name", "in": "path", "required": True, "example": "swagger-ui.css",
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the file"},
                              "404": _error("no such asset")}}},
            **({"/metrics": {"get": {
                "summary": "Prometheus metrics of this replica (internal: the front proxy answers 404)",
                "responses": {"200": {"description": "the Prometheus text exposition format",
                                      "content": {"text/plain": {"schema": {"type": "string"}}}}}}}}
               if config["METRICS"] else {}),
        },
        "components": {"schemas": {
            "Greeting": {"type": "object", "required": ["message", "docs", "openapi"],
                         "additionalProperties": False,
                         "properties": {"message": {"type": "string"}, "docs": {"const": "/docs"},
                                        "openapi": {"const": "/openapi.json"}}},
            "DotRequest": {"type": "object", "required": ["a", "b"], "additionalProperties": False,
                           "properties": {"a": vector, "b": vector,
                                          "accurate": {"type": "boolean", "default": False}}},
            "DotResult": {"type": "object", "required": ["result", "n"], "additionalProperties": False,
                          "properties": {"result": {"type": "number"},
                                         "n": {"type": "integer", "minimum": 0}}},
            "Health": {"type": "object", "required": ["status"], "additionalProperties": False,
                       "properties": {"status": {"const": "ok"}}},
            "Error": {"type": "object", "required": ["error"], "additionalProperties": False,
                      "properties": {"error": {
                          "type": "object", "required": ["status", "message"],
                          "additionalProperties": False,
                          "properties": {"status": {"type": "integer", "minimum": 400, "maximum": 599},
                                         "message": {"type": "string"}}}}},
        }},
    }


@bp.get("/openapi.json")
def openapi_json():
    return spec(current_app.config)
