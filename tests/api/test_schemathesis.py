"""schemathesis against /api/v1/openapi.json: no 500, every answer documented and shaped as documented.

The schema is loaded from the real Flask app (WSGI, no server). Every operation is called with
generated input, once anonymously and once with a coordinator's bearer token (so write endpoints
run past the login check), against a database holding one object of each kind (generated path
ids are steered to 1–3 half the time, so the found-object branches run too).
Raise SCHEMATHESIS_MAX_EXAMPLES for a longer run (see docs/development.md).
"""
from __future__ import annotations

import contextvars
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from tests.api.schemathesis_helpers import documented_status, seed_objects, small_ids

#: Examples per operation and caller (valid and invalid input mixed); raise it for a longer hunt.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, documented_status]


def _fresh_context(app):
    """Each request in its own app context, as in production (the fixture holds one open)."""
    def wsgi(environ, start_response):
        body = contextvars.Context().run(lambda: list(app(environ, start_response)))
        db.session.expire_all()
        return body
    return wsgi


@pytest.fixture
def api_schema(app):
    """The OpenAPI document as the running app serves it."""
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _fresh_context(app))
    loaded.hook("flatmap_path_parameters")(small_ids)
    return loaded


@pytest.fixture
def seeded(app):
    """One object of each kind and a coordinator's API token."""
    return seed_objects()


SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])


def run_all(schema, headers: dict | None = None, examples: int = MAX_EXAMPLES) -> list[str]:
    """Every operation with valid and invalid input; the failures, one line each (empty when all passed)."""
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50  # the whole API, not a part of it
    for operation in operations:
        strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                             operation.as_strategy(GenerationMode.NEGATIVE))

        @settings(max_examples=examples, **SETTINGS)
        @given(case=strategy)
        def call(case):
            case.call_and_validate(checks=CHECKS, headers=headers)

        try:
            call()
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - gather all, then report
            failures.append(f"{operation.label}: {str(error).strip()[:1500]}")
    return failures


def test_api_anonymous(api_schema, seeded):
    """Anonymous callers get answers, never a 500, always as documented."""
    failures = run_all(api_schema, examples=max(3, MAX_EXAMPLES // 2))  # most writes stop at the CSRF check
    assert not failures, "\n\n".join(failures)


def test_api_as_coordinator(api_schema, seeded, client):
    """With a coordinator's bearer token the write endpoints run their rules; still no 500."""
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    failures = run_all(api_schema, headers)
    assert not failures, "\n\n".join(failures)
    # the whole run was made as the coordinator (its token was never revoked along the way)
    assert client.get("/api/v1/me", headers=headers).json["data"]["role"] == "coordinator"
