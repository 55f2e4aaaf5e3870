"""Logging out and changing the password: sessions end where they should."""
from __future__ import annotations

from werkzeug.security import check_password_hash

from tests import factories
from tests.accounts.helpers import fetch_user, post_form, text_of
from tests.conftest import csrf_token, login

NEW = "fresh-pass-456"


def test_logout_by_get_is_not_allowed(app, login_as):
    c = login_as("public")

    response = c.get("/account/logout")

    assert response.status_code == 405
    assert c.get("/api/v1/me").status_code == 200


def test_logout_with_csrf_ends_the_session(app, login_as):
    c = login_as("public")

    response = c.post("/account/logout?lang=en", data={"csrf_token": csrf_token(c, "/")})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "You have logged out." in text_of(c.get("/?lang=en"))
    me = c.get("/api/v1/me")
    assert me.status_code == 401
    assert me.json["error"]["code"] == "login_required"


def test_password_page_needs_login(app, client):
    response = client.get("/account/password")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


def test_change_password_refuses_a_wrong_current_password(app, login_as, users):
    c = login_as("public")

    response = post_form(c, "/account/password", {"current": "not-my-pass-1", "new": NEW, "confirm": NEW})

    assert response.status_code == 422
    assert "The current password is wrong." in text_of(response)
    user = fetch_user(users["public"].username)
    assert check_password_hash(user.password_hash, factories.PASSWORD)
    assert c.get("/api/v1/me").status_code == 200


def test_change_password_refuses_a_weak_new_password(app, login_as, users):
    c = login_as("public")

    response = post_form(c, "/account/password",
                         {"current": factories.PASSWORD, "new": "123456789", "confirm": "123456789"})

    assert response.status_code == 422
    assert "Use both letters and digits (or symbols) in the password." in text_of(response)
    assert check_password_hash(fetch_user(users["public"].username).password_hash, factories.PASSWORD)


def test_change_password_refuses_a_mismatched_confirmation(app, login_as, users):
    c = login_as("public")

    response = post_form(c, "/account/password",
                         {"current": factories.PASSWORD, "new": NEW, "confirm": NEW + "x"})

    assert response.status_code == 422
    assert "The passwords differ." in text_of(response)
    assert check_password_hash(fetch_user(users["public"].username).password_hash, factories.PASSWORD)


def test_change_password_ends_other_sessions_and_keeps_this_one(app, login_as, users):
    here = login_as("public")
    elsewhere = login_as("public")
    assert elsewhere.get("/api/v1/me").status_code == 200

    response = post_form(here, "/account/password",
                         {"current": factories.PASSWORD, "new": NEW, "confirm": NEW})

    assert response.status_code == 302
    assert "Your password has been changed." in text_of(here.get("/?lang=en"))
    assert here.get("/api/v1/me").json["data"]["username"] == users["public"].username
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert elsewhere.get("/account/password").status_code == 302
    # The new password works, the old one no longer does.
    assert login(app.test_client(), users["public"].username, NEW).status_code == 302
    assert login(app.test_client(), users["public"].username, factories.PASSWORD).status_code == 422


def test_ended_sessions_are_deleted_after_a_day_and_open_ones_stay(app):
    """The hourly sweep forgets logged-out sessions; whoever is still logged in stays logged in."""
    from datetime import timedelta

    from sqlalchemy import select

    from app.accounts.jobs import prune_ended_sessions
    from app.accounts.models import UserSession
    from app.core import clock
    from app.extensions import db

    user = factories.user("public", username="pruned_u")
    db.session.commit()
    staying, leaving = app.test_client(), app.test_client()
    for c in (staying, leaving):
        assert login(c, "pruned_u").status_code == 302
    stale = leaving.get_cookie("session").value  # a copy kept from before the log-out
    assert leaving.post("/account/logout", data={"csrf_token": csrf_token(leaving, "/")}).status_code == 302
    rows = lambda: db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()  # noqa: E731
    assert sorted(r.ended_at is None for r in rows()) == [False, True]

    now = clock.now()
    assert prune_ended_sessions(now) == 0  # ended just now: kept for a day
    db.session.commit()
    assert prune_ended_sessions(now + timedelta(days=1, minutes=1)) == 1
    db.session.commit()
    db.session.expire_all()
    assert [r.ended_at for r in rows()] == [None]  # only the open session is left
    assert staying.get("/api/v1/me").status_code == 200
    copied = app.test_client()
    copied.set_cookie("session", stale)
    assert copied.get("/api/v1/me").status_code == 401  # its row is gone: refused just the same
