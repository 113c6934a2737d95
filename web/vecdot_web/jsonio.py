"""JSON in and out with orjson, which is several times faster than the standard library here.

Measured in this venv (Python 3.11, docs/web.md): loading {"a": [...], "b": [...]} with
1000 random floats each takes 47 us with orjson and 388 us with json; dumping a
{"result", "n"} answer takes 0.18 us against 1.6 us. orjson is also strict where the
service needs it: it rejects NaN, Infinity and numbers like 1e999 that overflow
float64, invalid UTF-8 and lone surrogates, and nesting deeper than 1024.
"""

import orjson
from flask.json.provider import JSONProvider


class OrjsonProvider(JSONProvider):
    """Flask's JSON hooks (dict return values, jsonify, get_json) backed by orjson."""

    def dumps(self, obj, **kwargs):
        return orjson.dumps(obj).decode()

    def loads(self, s, **kwargs):
        return orjson.loads(s)

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(orjson.dumps(obj), mimetype="application/json")


# Views parse request bodies with this directly, so that a malformed body is a 400
# with orjson's message rather than Flask's generic one.
loads = orjson.loads
JSONDecodeError = orjson.JSONDecodeError
