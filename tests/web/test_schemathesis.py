"""Property-based API tests generated from the service's own /openapi.json (schemathesis).

Schemathesis reads the document the app serves and sends every operation requests
built from it: valid ones (positive) and ones that break the schema on purpose
(negative: wrong types, missing parameters, oversized arrays, bodies of the wrong
media type). Every response must be a non-5xx whose status code, Content-Type and
body schema the document declares for that operation.

It runs against the C extension (what the service serves), with the default limits
and with small ones, so the 413 paths are reached too. One of schemathesis's checks
judges the document's precision rather than the service and is left out:
positive_data_acceptance, which expects a 2xx for any `name` or `a` the schema allows,
where the app rightly refuses an unprintable name or a vector that is not numbers (JSON
Schema cannot say "comma-separated numbers"). negative_data_rejection is left out under
the small limits only, where the right refusal is often a 413 it does not count.

VECDOT_SCHEMATHESIS_EXAMPLES (default 100) sets the examples per operation and mode.
"""

import collections
import os

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="requirements-dev.txt pins it; make venv")
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    negative_data_rejection,
    positive_data_acceptance,
)
from vecdot_web import create_app  # noqa: E402

EXAMPLES = int(os.environ.get("VECDOT_SCHEMATHESIS_EXAMPLES", "100"))
CONFIG = SchemathesisConfig.from_dict({"generation": {"mode": "all", "max-examples": EXAMPLES}})


STATUSES = collections.Counter()  # every status the apps answered, for the last test


def counted(app):
    """Count each response's status class, so the run can prove what it exercised."""
    wsgi_app = app.wsgi_app

    def wrapper(environ, start_response):
        def start(status, headers, *exc_info):
            STATUSES[status[0] + "xx"] += 1
            return start_response(status, headers, *exc_info)
        return wsgi_app(environ, start)

    app.wsgi_app = wrapper
    return app


def schema_of(**limits):
    """The document of an app on the C extension with these limits, loaded as a client
    would: from GET /openapi.json. (Built at import: schemathesis parametrizes tests
    when they are collected.)"""
    app = counted(create_app({"TESTING": True, **limits}))
    return schemathesis.openapi.from_wsgi("/openapi.json", app, config=CONFIG)


CHECKS = {"excluded_checks": [positive_data_acceptance]}
# Under small limits the right refusal is often 413, which negative_data_rejection does
# not count as one.
SMALL_CHECKS = {"excluded_checks": [positive_data_acceptance, negative_data_rejection]}
default_limits = schema_of()
# Small enough that generated vectors, bodies and queries cross them.
small_limits = schema_of(MAX_VECTOR_LEN=4, MAX_BODY_BYTES=128, MAX_QUERY_BYTES=96, MAX_NAME_LEN=5)


@default_limits.parametrize()
def test_responses_match_the_document_with_default_limits(case):
    case.call_and_validate(**CHECKS)


@small_limits.parametrize()
def test_responses_match_the_document_with_small_limits(case):
    case.call_and_validate(**SMALL_CHECKS)


def test_the_generated_requests_reached_every_kind_of_answer():
    # Runs after the two above (file order): both modes were exercised, and nothing
    # answered 5xx. -s shows the counts (docs/reliability.md quotes them).
    print(f"schemathesis: {sum(STATUSES.values())} requests; statuses {dict(STATUSES)}")
    assert STATUSES["2xx"] > 0 and STATUSES["4xx"] > 0
    assert STATUSES["5xx"] == 0
