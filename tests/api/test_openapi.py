"""The OpenAPI 3 document and the docs page."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

UNDOCUMENTED = {"/api/v1/openapi.json", "/api/v1/docs"}


def spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def openapi_path(rule: str) -> str:
    """/api/v1/tokens/<int:token_id> → /api/v1/tokens/{token_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_the_document_is_valid_openapi_3(app, client):
    document = spec(client)

    assert document["openapi"].startswith("3.")
    validate(document)  # raises on any violation of the OpenAPI 3 schema


def test_every_api_route_is_documented_with_its_methods(app, client):
    paths = spec(client)["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule in UNDOCUMENTED:
            continue
        path = openapi_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")

    assert missing == []
    assert "/api/v1/episodes" in paths  # the walk did find routes


def test_nothing_is_documented_that_does_not_exist(app, client):
    real = {openapi_path(r.rule) for r in app.url_map.iter_rules()}

    assert set(spec(client)["paths"]) <= real


def test_the_error_envelope_is_documented(app, client):
    document = spec(client)
    schemas = document["components"]["schemas"]

    envelope = schemas["ErrorEnvelope"]
    assert set(envelope["required"]) == {"ok", "error"}
    assert envelope["properties"]["error"]["$ref"] == "#/components/schemas/ErrorBody"
    assert set(schemas["ErrorBody"]["required"]) == {"code", "message"}
    assert "details" in schemas["ErrorBody"]["properties"]
    # The default error answer of every operation is the envelope, not another shape.
    default = document["components"]["responses"]["DEFAULT_ERROR"]
    assert default["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorEnvelope"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorEnvelope"), f"{method} {path} {status}"


def test_success_answers_are_documented_as_envelopes(app, client):
    document = spec(client)
    episodes = document["paths"]["/api/v1/episodes"]["get"]

    ref = episodes["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"ok", "data", "meta"}
    assert {p["name"] for p in episodes["parameters"]} >= {"page", "per_page", "state", "domain", "agency"}


def test_bearer_auth_is_documented(app, client):
    schemes = spec(client)["components"]["securitySchemes"]

    assert schemes["bearer"] == {"type": "http", "scheme": "bearer"}


def test_the_docs_page(app, client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "/api/v1/openapi.json" in response.get_data(as_text=True)
