"""Logging in: wrong passwords, throttling, bans, session fixation, safe redirects."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import LoginAttempt
from app.core import clock
from app.extensions import db
from tests import factories
from tests.accounts.helpers import post_form, text_of

WRONG = "Wrong user name or password."
THROTTLED = "Too many failed log-ins. Please wait 15 minutes and try again."


def attempt(client, username, password=factories.PASSWORD, path="/account/login"):
    return post_form(client, path, {"username": username, "password": password})


def failures(username: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(LoginAttempt)
                             .where(LoginAttempt.username == username))


@pytest.fixture
def zhang(app):
    u = factories.user("public", username="zhang_san")
    db.session.commit()
    return u


def test_login_with_the_right_password(app, client, zhang):
    response = attempt(client, "zhang_san")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/api/v1/me").json["data"]["username"] == "zhang_san"
    assert zhang.display_name in text_of(client.get("/"))


def test_login_name_is_case_insensitive(app, client, zhang):
    assert attempt(client, "  ZHANG_San ").status_code == 302


@pytest.mark.parametrize("username, password", [("zhang_san", "wrong-pass-1"), ("nobody_here", "x1")],
                         ids=["wrong-password", "unknown-user"])
def test_wrong_credentials_say_so_with_422(app, client, zhang, username, password):
    response = attempt(client, username, password)

    assert response.status_code == 422
    assert WRONG in text_of(response)
    assert client.get("/api/v1/me").status_code == 401


def test_empty_form_is_refused(app, client, zhang):
    response = post_form(client, "/account/login", {"username": "", "password": ""})

    assert response.status_code == 422
    assert "This field is required." in text_of(response)


def test_failures_are_persisted_and_then_throttled(app, client, zhang):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for n in range(limit):
        response = attempt(client, "zhang_san", f"wrong-{n}")
        assert response.status_code == 422
    assert failures("zhang_san") == limit

    response = attempt(client, "zhang_san")  # the right password, too late

    assert response.status_code == 429
    assert THROTTLED in text_of(response)
    assert client.get("/api/v1/me").status_code == 401
    # A fresh browser does not escape the per-account limit either.
    assert attempt(app.test_client(), "zhang_san").status_code == 429


def test_throttle_is_per_account(app, client, zhang):
    factories.user("public", username="li_si")
    db.session.commit()
    for n in range(app.config["LOGIN_MAX_FAILURES"]):
        attempt(client, "zhang_san", f"wrong-{n}")

    assert attempt(client, "li_si").status_code == 302


def test_old_failures_fall_out_of_the_window(app, client, zhang):
    old = clock.now() - timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"] + 1)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        db.session.add(LoginAttempt(username="zhang_san", ip="127.0.0.1", created_at=old))
    db.session.commit()

    assert attempt(client, "zhang_san").status_code == 302


def test_success_clears_the_failures(app, client, zhang):
    attempt(client, "zhang_san", "wrong-1")
    attempt(client, "zhang_san", "wrong-2")
    assert failures("zhang_san") == 2

    assert attempt(client, "zhang_san").status_code == 302
    assert failures("zhang_san") == 0


def test_banned_user_cannot_log_in(app, client, zhang):
    zhang.banned_at = clock.now()
    zhang.ban_reason = "spam"
    db.session.commit()

    response = attempt(client, "zhang_san")

    assert response.status_code == 403
    assert "This account has been suspended." in text_of(response)
    assert client.get("/api/v1/me").status_code == 401


def test_banning_ends_an_existing_session(app, client, zhang):
    attempt(client, "zhang_san")
    assert client.get("/api/v1/me").status_code == 200

    zhang.banned_at = clock.now()
    db.session.commit()

    assert client.get("/api/v1/me").status_code == 401


def test_session_is_renewed_on_login(app, client, zhang):
    client.get("/lang/en")
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
    before = client.get_cookie("session").value

    attempt(client, "zhang_san")

    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"  # the language choice survives


def test_csrf_token_from_before_login_is_void_after(app, client, zhang):
    from tests.conftest import csrf_token

    old_token = csrf_token(client)
    attempt(client, "zhang_san")

    response = client.post("/account/logout", data={"csrf_token": old_token})

    assert response.status_code == 400
    assert client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("target, expected", [
    ("/account/password", "/account/password"),
    ("/api/v1/me?x=1", "/api/v1/me?x=1"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("/%09/evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("evil.example", "/"),
], ids=["path", "path-query", "absolute", "scheme-relative", "backslash", "tab", "javascript", "bare-host"])
def test_next_redirects_only_within_the_site(app, client, zhang, target, expected):
    from urllib.parse import quote

    path = f"/account/login?next={quote(target, safe='/%')}"
    response = attempt(client, "zhang_san", path=path)

    assert response.status_code == 302
    assert response.headers["Location"] == expected
