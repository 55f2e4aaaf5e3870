"""CSRF: every state-changing route refuses requests without the session's token."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import services
from app.accounts.models import ApiToken, LoginAttempt, User
from app.core import clock
from app.extensions import db
from tests import factories
from tests.security.helpers import (WRITE_METHODS, build_url, meta_csrf, placeholder_values, rules,
                                    snapshot, text_of)

EXPIRED = "The form expired or was sent from elsewhere. Please reload the page and try again."

FORM_ROUTES = [
    ("/account/register", {"username": "new_user", "display_name": "新用户", "password": "new-pass-123",
                           "confirm": "new-pass-123"}),
    ("/account/login", {"username": "coordinator_u", "password": factories.PASSWORD}),
    ("/account/logout", {}),
    ("/account/password", {"current": factories.PASSWORD, "new": "other-pass-456",
                           "confirm": "other-pass-456"}),
]


def _write_rules(app):
    for rule in rules(app):
        for method in sorted(set(rule.methods) & set(WRITE_METHODS)):
            yield rule, method


def test_the_walk_finds_the_known_write_routes(app):
    found = {(rule.rule, method) for rule, method in _write_rules(app)}

    assert {("/account/register", "POST"), ("/account/login", "POST"), ("/account/logout", "POST"),
            ("/account/password", "POST"), ("/api/v1/tokens", "POST"),
            ("/api/v1/tokens/<int:token_id>", "DELETE")} <= found


def test_every_write_route_refuses_a_request_without_token(app, users, login_as):
    """Logged in as the coordinator (who could change most), with a session cookie but no token."""
    c = login_as("coordinator")
    token, _ = services.issue_token(users["coordinator"], "mine", now=clock.now())
    db.session.commit()
    overrides = {"token_id": token.id}
    before = snapshot()
    problems = []

    for rule, method in _write_rules(app):
        url = build_url(app, rule, placeholder_values(rule, overrides))
        as_json = c.open(url, method=method, json={"name": "x"}, headers={"Accept": "application/json"})
        as_page = c.open(url + ("&" if "?" in url else "?") + "lang=en", method=method,
                         data={"name": "x", "username": "x"})
        if as_json.status_code != 400 or (as_json.json or {}).get("error", {}).get("code") != "csrf_failed":
            problems.append(f"{method} {url}: JSON answer {as_json.status_code} {as_json.get_data(as_text=True)[:120]}")
        if as_page.status_code != 400:
            problems.append(f"{method} {url}: answered {as_page.status_code} without a CSRF token")
        elif not url.startswith("/api/") and EXPIRED not in text_of(as_page):
            problems.append(f"{method} {url}: the page does not say the form expired")
        elif url.startswith("/api/") and as_page.json["error"]["code"] != "csrf_failed":
            problems.append(f"{method} {url}: API code {as_page.json['error']['code']}")

    assert problems == []
    assert snapshot() == before
    assert c.get("/api/v1/me").json["data"]["username"] == "coordinator_u"


@pytest.mark.parametrize("path, data", FORM_ROUTES, ids=[p for p, _ in FORM_ROUTES])
def test_form_post_without_token_says_the_form_expired(app, users, login_as, path, data):
    c = login_as("coordinator")
    before = snapshot()

    response = c.post(f"{path}?lang=en", data=data)

    assert response.status_code == 400
    assert EXPIRED in text_of(response)
    assert snapshot() == before
    assert c.get("/api/v1/me").json["data"]["username"] == "coordinator_u"


@pytest.mark.parametrize("path, data", FORM_ROUTES, ids=[p for p, _ in FORM_ROUTES])
def test_form_post_with_another_sessions_token_is_refused(app, users, login_as, path, data):
    c = login_as("coordinator")
    stranger = app.test_client()
    foreign = meta_csrf(stranger)
    before = snapshot()

    response = c.post(path, data={**data, "csrf_token": foreign}, headers={"Accept": "application/json"})

    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"
    assert snapshot() == before


def test_anonymous_register_and_login_without_token_do_nothing(app, users, client):
    r1 = client.post("/account/register", data=FORM_ROUTES[0][1])
    r2 = client.post("/account/login", data=FORM_ROUTES[1][1])

    assert (r1.status_code, r2.status_code) == (400, 400)
    assert db.session.scalar(select(User).where(User.username == "new_user")) is None
    assert db.session.scalars(select(LoginAttempt)).all() == []
    assert client.get("/api/v1/me").status_code == 401


def test_api_write_with_session_but_no_header_is_refused(app, users, login_as):
    c = login_as("public")

    response = c.post("/api/v1/tokens", json={"name": "laptop"})

    assert response.status_code == 400
    assert response.json["ok"] is False
    assert response.json["error"]["code"] == "csrf_failed"
    assert db.session.scalars(select(ApiToken)).all() == []


def test_api_write_with_a_wrong_header_is_refused(app, users, login_as):
    c = login_as("public")

    response = c.post("/api/v1/tokens", json={"name": "laptop"}, headers={"X-CSRFToken": "forged"})

    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"
    assert db.session.scalars(select(ApiToken)).all() == []


def test_api_write_with_the_meta_token_header_succeeds(app, users, login_as):
    c = login_as("public")
    token = meta_csrf(c)

    created = c.post("/api/v1/tokens", json={"name": "laptop"}, headers={"X-CSRFToken": token})
    assert created.status_code == 201
    token_id = created.json["data"]["id"]

    refused = c.delete(f"/api/v1/tokens/{token_id}")
    assert refused.status_code == 400 and refused.json["error"]["code"] == "csrf_failed"
    assert db.session.get(ApiToken, token_id).revoked_at is None

    revoked = c.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRFToken": token})
    assert revoked.status_code == 200
    assert db.session.get(ApiToken, token_id).revoked_at is not None


def test_bearer_token_writes_need_no_csrf(app, users):
    _, secret = services.issue_token(users["public"], "script", now=clock.now())
    db.session.commit()
    c = app.test_client()

    response = c.post("/api/v1/tokens", json={"name": "second"},
                      headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 201
    assert response.json["data"]["name"] == "second"


def test_a_bogus_bearer_token_does_not_fall_back_to_the_session(app, users, login_as):
    c = login_as("public")

    response = c.post("/api/v1/tokens", json={"name": "x"}, headers={"Authorization": "Bearer zb_nope"})

    assert response.status_code == 401
    assert response.json["error"]["code"] == "token_invalid"
    assert db.session.scalars(select(ApiToken)).all() == []
