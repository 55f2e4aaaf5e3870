"""Who may call what: every route against every role, plus cross-agency and cross-user checks.

EXPECTED must name every endpoint in app.url_map (static excepted): a route added without
declaring its access here fails test_every_route_declares_its_access.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import services
from app.accounts.models import ApiToken
from app.core import clock
from app.extensions import db
from tests import factories
from tests.security.helpers import WRITE_METHODS, build_url, meta_csrf, placeholder_values, rules

ROLES = ("anonymous", "public", "observer", "agency_staff", "coordinator", "admin")
SIGNED_IN = ROLES[1:]


def everyone(status: int) -> dict:
    return {role: status for role in ROLES}


def signed_in(status: int, anonymous: int) -> dict:
    return {"anonymous": anonymous, **{role: status for role in SIGNED_IN}}


#: endpoint → {role: status}. Pages that need login redirect (302) to the log-in page;
#: API calls answer 401 with code login_required.
EXPECTED: dict[str, dict[str, int]] = {
    "main.home": everyone(200),
    "main.set_language": everyone(302),
    "main.healthz": everyone(200),
    "accounts.register": everyone(200),
    "accounts.login": everyone(200),
    "accounts.logout": everyone(302),                       # POST with CSRF
    "accounts.change_password": signed_in(200, anonymous=302),
    "api_accounts.me": signed_in(200, anonymous=401),
    "api_accounts.list_tokens": signed_in(200, anonymous=401),
    "api_accounts.create_token": signed_in(201, anonymous=401),  # POST with CSRF
    "api_accounts.revoke_token": signed_in(200, anonymous=401),  # DELETE of one's own token
    "api_agencies.list_domains": everyone(200),
    "api_agencies.list_agencies": everyone(200),
    "api_agencies.get_agency": everyone(200),
    "api_episodes.list_episodes": everyone(200),
    "api_episodes.get_episode": everyone(200),               # a published episode
    "openapi_json": everyone(200),
    "api_docs": everyone(200),
}

#: Request bodies of write-only endpoints.
BODIES = {"api_accounts.create_token": {"name": "matrix"}}


@pytest.fixture
def world(app, users):
    """A published episode, an agency, and one API token per signed-in role."""
    ep = factories.episode("scheduled")
    tokens = {role: services.issue_token(users[role], "own", now=clock.now())[0].id for role in SIGNED_IN}
    # The anonymous caller is pointed at some real token: it must still be refused.
    tokens["anonymous"] = tokens["public"]
    db.session.commit()
    return {"episode_id": ep.id, "slug": ep.agencies[0].slug, "tokens": tokens}


def url_values(world, role: str) -> dict:
    return {"episode_id": world["episode_id"], "slug": world["slug"], "code": "en",
            "token_id": world["tokens"][role]}


def clients(app, login_as):
    made = {"anonymous": app.test_client()}
    made.update({role: login_as(role) for role in SIGNED_IN})
    return made


def call(client, app, rule, role, world):
    """GET the rule, or for write-only rules its write method with a valid CSRF token."""
    url = build_url(app, rule, placeholder_values(rule, url_values(world, role)))
    if "GET" in rule.methods:
        return client.get(url)
    method = sorted(set(rule.methods) & set(WRITE_METHODS))[0]
    token = meta_csrf(client)
    if url.startswith("/api/"):
        return client.open(url, method=method, json=BODIES.get(rule.endpoint),
                           headers={"X-CSRFToken": token})
    return client.open(url, method=method, data={"csrf_token": token})


def test_every_route_declares_its_access(app):
    endpoints = {rule.endpoint for rule in rules(app)}

    assert sorted(endpoints - set(EXPECTED)) == [], "add these endpoints to EXPECTED"
    assert sorted(set(EXPECTED) - endpoints) == [], "these endpoints no longer exist"


def test_every_route_for_every_role(app, users, login_as, world):
    shared = clients(app, login_as)
    mismatches = []

    for rule in rules(app):
        expected = EXPECTED.get(rule.endpoint)
        if expected is None:
            continue  # reported by test_every_route_declares_its_access
        # Writes (log-out, revoking) may end what later calls need: they get fresh clients.
        by_role = shared if "GET" in rule.methods else clients(app, login_as)
        for role in ROLES:
            response = call(by_role[role], app, rule, role, world)
            where = f"{rule.endpoint} as {role}"
            if response.status_code != expected[role]:
                mismatches.append(f"{where}: {response.status_code}, expected {expected[role]}")
            if rule.rule.startswith("/api/") and response.status_code >= 400:
                body = response.json or {}
                if body.get("ok") is not False or "code" not in body.get("error", {}):
                    mismatches.append(f"{where}: error without the envelope")
                elif response.status_code == 401 and body["error"]["code"] != "login_required":
                    mismatches.append(f"{where}: 401 with code {body['error']['code']}")
            if (response.status_code == 302 and role == "anonymous" and expected["public"] == 200
                    and not response.headers["Location"].startswith("/account/login?next=")):
                mismatches.append(f"{where}: redirected to {response.headers['Location']}, not to log in")

    assert mismatches == []


def test_pages_needing_login_send_anonymous_users_to_the_login_page(app, client):
    response = client.get("/account/password")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=%2Faccount%2Fpassword"


# ---------------------------------------------------------------- cross-agency and cross-user


@pytest.fixture
def drafts(app, users):
    """A draft of the agency_staff user's agency (A) and one of another agency (B)."""
    own_agency = users["agency_staff"].agency
    other_agency = factories.agency()
    own = factories.episode("draft", agencies=[own_agency], title="A 的草稿")
    other = factories.episode("draft", agencies=[other_agency], title="B 的草稿")
    shared = factories.episode("draft", agencies=[other_agency, own_agency], title="B 领衔 A 协办")
    published = factories.episode("scheduled", agencies=[other_agency], title="B 已发布")
    db.session.commit()
    return {"own": own.id, "other": other.id, "shared": shared.id, "published": published.id}


def listed_ids(client) -> set[int]:
    body = client.get("/api/v1/episodes?per_page=100").json
    return {item["id"] for item in body["data"]}


def test_agency_staff_cannot_see_another_agencys_draft(app, login_as, drafts):
    staff = login_as("agency_staff")

    response = staff.get(f"/api/v1/episodes/{drafts['other']}")

    assert response.status_code == 404
    assert response.json["error"]["code"] == "episode_not_found"
    assert drafts["other"] not in listed_ids(staff)
    assert staff.get("/api/v1/episodes?state=draft").json["meta"]["total"] == 2


def test_agency_staff_see_their_own_agencys_drafts(app, login_as, drafts):
    staff = login_as("agency_staff")

    assert staff.get(f"/api/v1/episodes/{drafts['own']}").status_code == 200
    assert staff.get(f"/api/v1/episodes/{drafts['shared']}").status_code == 200
    assert listed_ids(staff) == {drafts["own"], drafts["shared"], drafts["published"]}


@pytest.mark.parametrize("role", ["anonymous", "public", "observer"])
def test_the_public_never_sees_drafts(app, users, login_as, drafts, role):
    c = app.test_client() if role == "anonymous" else login_as(role)

    for key in ("own", "other", "shared"):
        response = c.get(f"/api/v1/episodes/{drafts[key]}")
        assert response.status_code == 404
        assert response.json["error"]["code"] == "episode_not_found"
    assert listed_ids(c) == {drafts["published"]}
    assert c.get("/api/v1/episodes?state=draft").json["meta"]["total"] == 0


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_the_coordinator_sees_every_draft(app, login_as, drafts, role):
    c = login_as(role)

    for key in ("own", "other", "shared"):
        assert c.get(f"/api/v1/episodes/{drafts[key]}").status_code == 200
    assert listed_ids(c) == set(drafts.values())


def test_a_user_cannot_revoke_another_users_token(app, users, login_as):
    victim_token, victim_secret = services.issue_token(users["observer"], "victim", now=clock.now())
    db.session.commit()
    attacker = login_as("coordinator")  # even the coordinator: tokens are personal

    response = attacker.delete(f"/api/v1/tokens/{victim_token.id}",
                               headers={"X-CSRFToken": meta_csrf(attacker)})

    assert response.status_code == 404
    assert response.json["error"]["code"] == "token_not_found"
    assert db.session.get(ApiToken, victim_token.id).revoked_at is None
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {victim_secret}"})
    assert me.status_code == 200 and me.json["data"]["username"] == users["observer"].username


def test_a_user_does_not_see_another_users_tokens(app, users, login_as):
    services.issue_token(users["observer"], "victim", now=clock.now())
    db.session.commit()

    body = login_as("public").get("/api/v1/tokens").json

    assert body["data"] == []
    assert db.session.scalars(select(ApiToken)).all() != []
