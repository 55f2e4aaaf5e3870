"""Every API answer is {ok, data[, meta]} or {ok: false, error: {code, message[, details]}}."""
from __future__ import annotations

import pytest

from app.extensions import db
from tests import factories
from tests.security.helpers import meta_csrf

EN = {"Accept-Language": "en"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.json
    assert body["ok"] is False
    assert "data" not in body
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_single_object_envelope(app, login_as, users):
    body = login_as("observer").get("/api/v1/me").json

    assert body["ok"] is True
    assert body["data"] == {"id": users["observer"].id, "username": "observer_u",
                            "display_name": users["observer"].display_name, "role": "observer",
                            "agency": None}
    assert "error" not in body


def test_agency_staff_me_names_the_agency(app, login_as, users):
    data = login_as("agency_staff").get("/api/v1/me").json["data"]

    assert data["role"] == "agency_staff"
    assert data["agency"]["slug"] == users["agency_staff"].agency.slug


def test_list_envelope(app, client):
    food = factories.domain("food_safety")
    factories.agency("market", domains=[food])
    db.session.commit()

    domains = client.get("/api/v1/domains", headers=EN).json
    agencies = client.get("/api/v1/agencies", headers=EN).json

    assert domains["ok"] is True
    assert [d["code"] for d in domains["data"]] == ["food_safety"]
    assert agencies["data"][0]["slug"] == "market"
    assert agencies["data"][0]["domains"][0]["code"] == "food_safety"
    assert client.get("/api/v1/agencies/market").json["data"]["slug"] == "market"


def test_paged_list_envelope(app, client):
    factories.episode("scheduled")
    db.session.commit()

    body = client.get("/api/v1/episodes").json

    assert body["ok"] is True
    assert len(body["data"]) == 1
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 1, "pages": 1}


def test_empty_paged_list(app, client):
    body = client.get("/api/v1/episodes").json

    assert body == {"ok": True, "data": [], "meta": {"page": 1, "per_page": 20, "total": 0, "pages": 0}}


def test_episode_fields(app, client):
    ep = factories.episode("scheduled", title="校园食堂检查", area="龙华街道")
    db.session.commit()

    data = client.get(f"/api/v1/episodes/{ep.id}").json["data"]

    assert data["id"] == ep.id and data["number"] == ep.number
    assert data["title"] == "校园食堂检查" and data["area"] == "龙华街道"
    assert data["state"] == "scheduled"
    assert data["scheduled_start"].startswith(ep.scheduled_start.strftime("%Y-%m-%dT%H:%M"))
    assert data["agencies"][0]["slug"] == ep.agencies[0].slug
    assert data["domain"]["id"] == ep.domain_id


def test_401_envelope(app, client):
    assert_error(client.get("/api/v1/me"), 401, "login_required")
    assert_error(client.get("/api/v1/tokens"), 401, "login_required")


@pytest.mark.parametrize("path, code", [
    ("/api/v1/nope", "not_found"),
    ("/api/v1/episodes/999999", "episode_not_found"),
    ("/api/v1/agencies/no-such-agency", "agency_not_found"),
])
def test_404_envelope(app, client, path, code):
    assert_error(client.get(path), 404, code)


def test_405_envelope(app, client):
    response = client.get("/api/v1/tokens/1")

    assert_error(response, 405, "method_not_allowed")
    assert "DELETE" in response.headers["Allow"]


def test_405_for_a_write_method_on_a_read_only_route(app, login_as):
    c = login_as("public")

    response = c.put("/api/v1/me", json={}, headers={"X-CSRFToken": meta_csrf(c)})

    assert_error(response, 405, "method_not_allowed")


@pytest.mark.parametrize("query, field", [
    ("per_page=1000", "per_page"),
    ("per_page=0", "per_page"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("state=bogus", "state"),
])
def test_422_envelope_names_the_field(app, client, query, field):
    error = assert_error(client.get(f"/api/v1/episodes?{query}"), 422, "validation_failed")

    assert field in error["details"]["fields"]["query"]


def test_422_for_a_bad_body(app, login_as):
    c = login_as("public")
    token = meta_csrf(c)

    missing = c.post("/api/v1/tokens", json={}, headers={"X-CSRFToken": token})
    too_long = c.post("/api/v1/tokens", json={"name": "x" * 81}, headers={"X-CSRFToken": token})

    assert "name" in assert_error(missing, 422, "validation_failed")["details"]["fields"]["json"]
    assert "name" in assert_error(too_long, 422, "validation_failed")["details"]["fields"]["json"]


def test_400_for_malformed_json(app, login_as):
    c = login_as("public")

    response = c.post("/api/v1/tokens", data="{not json", content_type="application/json",
                      headers={"X-CSRFToken": meta_csrf(c)})

    assert_error(response, 400, "bad_request")
