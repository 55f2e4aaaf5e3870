"""Personal API tokens: issued by the CLI or the API, used as Bearer, revoked."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from app.accounts.models import ApiToken
from app.core import clock
from app.extensions import db
from tests.security.helpers import meta_csrf


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def cli_token(runner, username: str) -> str:
    result = runner.invoke(args=["users", "token", username, "--name", "script"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("zb_") and len(secret) > 30
    return secret


def test_cli_token_authenticates_as_that_user(app, runner, client, users):
    secret = cli_token(runner, "observer_u")

    response = client.get("/api/v1/me", headers=bearer(secret))

    assert response.status_code == 200
    assert response.json["data"]["username"] == "observer_u"
    token = db.session.scalar(select(ApiToken))
    assert token.name == "script"
    assert token.last_used_at is not None


def test_the_secret_is_stored_only_as_a_hash(app, runner, users):
    secret = cli_token(runner, "public_u")

    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (token.token_hash, token.prefix)
    assert secret.startswith(token.prefix)


def test_a_bogus_token_is_refused(app, client, users):
    response = client.get("/api/v1/me", headers=bearer("zb_not-a-real-token"))

    assert response.status_code == 401
    assert response.json["ok"] is False
    assert response.json["error"]["code"] == "token_invalid"


def test_a_bogus_token_is_refused_even_on_public_routes(app, client):
    response = client.get("/api/v1/episodes", headers=bearer("zb_nope"))

    assert response.status_code == 401
    assert response.json["error"]["code"] == "token_invalid"


def test_a_revoked_token_no_longer_works(app, runner, client, users):
    secret = cli_token(runner, "public_u")
    token_id = db.session.scalar(select(ApiToken.id))

    revoked = client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(secret))
    assert revoked.status_code == 200
    assert revoked.json["data"]["id"] == token_id

    after = client.get("/api/v1/me", headers=bearer(secret))
    assert after.status_code == 401
    assert after.json["error"]["code"] == "token_invalid"


def test_revoking_twice_is_not_found(app, login_as, users):
    c = login_as("public")
    csrf = {"X-CSRFToken": meta_csrf(c)}
    token_id = c.post("/api/v1/tokens", json={"name": "a"}, headers=csrf).json["data"]["id"]

    assert c.delete(f"/api/v1/tokens/{token_id}", headers=csrf).status_code == 200
    again = c.delete(f"/api/v1/tokens/{token_id}", headers=csrf)

    assert again.status_code == 404
    assert again.json["error"]["code"] == "token_not_found"


def test_a_banned_users_token_stops_working(app, runner, client, users):
    secret = cli_token(runner, "public_u")
    users["public"].banned_at = clock.now()
    db.session.commit()

    response = client.get("/api/v1/me", headers=bearer(secret))

    assert response.status_code == 401
    assert response.json["error"]["code"] == "token_invalid"


def test_create_shows_the_secret_once_and_lists_never_do(app, login_as, users):
    c = login_as("public")
    csrf = {"X-CSRFToken": meta_csrf(c)}

    created = c.post("/api/v1/tokens", json={"name": "laptop"}, headers=csrf)

    assert created.status_code == 201
    data = created.json["data"]
    assert created.json["ok"] is True
    assert data["name"] == "laptop"
    assert data["secret"].startswith(data["prefix"])
    assert c.get("/api/v1/me", headers=bearer(data["secret"])).json["data"]["username"] == "public_u"

    listed = c.get("/api/v1/tokens")
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json["data"]] == [data["id"]]
    assert "secret" not in listed.json["data"][0]
    assert data["secret"] not in listed.get_data(as_text=True)


def test_revoked_tokens_leave_the_list(app, login_as, users):
    c = login_as("public")
    csrf = {"X-CSRFToken": meta_csrf(c)}
    keep = c.post("/api/v1/tokens", json={"name": "keep"}, headers=csrf).json["data"]["id"]
    drop = c.post("/api/v1/tokens", json={"name": "drop"}, headers=csrf).json["data"]["id"]

    c.delete(f"/api/v1/tokens/{drop}", headers=csrf)

    assert [t["id"] for t in c.get("/api/v1/tokens").json["data"]] == [keep]


def test_a_token_name_must_not_be_blank(app, login_as, users):
    c = login_as("public")

    response = c.post("/api/v1/tokens", json={"name": "   "}, headers={"X-CSRFToken": meta_csrf(c)})

    assert response.status_code == 422
    assert response.json["error"]["code"] == "token_name_invalid"
    assert db.session.scalars(select(ApiToken)).all() == []
