"""Accounts under attack: replayed cookies, fixation, throttling by address, password rules.

tests/accounts covers the forms (wrong passwords, the per-account throttle, renewal of the session on
login, password change ending other sessions); these tests replay what an attacker keeps or sends.
"""
from __future__ import annotations

import pytest

from app.accounts import services
from app.core.errors import ValidationFailed
from app.extensions import db
from tests import factories
from tests.accounts.helpers import post_form
from tests.conftest import csrf_token, login


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def replay(app, cookie: str):
    """A new browser that sends only the given session cookie; returns who /api/v1/me says it is."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/api/v1/me")


def test_logout_invalidates_the_old_session_cookie(app, users, login_as):
    c = login_as("public")
    other_device = login_as("public")
    stolen = session_cookie(c)
    assert replay(app, stolen).status_code == 200  # the cookie is what logs a browser in

    response = c.post("/account/logout", data={"csrf_token": csrf_token(c, "/")})

    assert response.status_code == 302
    me = replay(app, stolen)
    assert me.status_code == 401 and me.json["error"]["code"] == "login_required"
    # Pages, too, treat the replayed cookie as anonymous.
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account/password").status_code == 302
    # Only this browser's session ended: the same user's other device stays logged in.
    assert other_device.get("/api/v1/me").status_code == 200
    # Logging in again works and gives a working session.
    again = app.test_client()
    assert login(again, users["public"].username).status_code == 302
    assert again.get("/api/v1/me").status_code == 200


def test_a_planted_pre_login_cookie_stays_anonymous_after_the_victim_logs_in(app, users):
    victim = app.test_client()
    victim.get("/account/login")
    planted = session_cookie(victim)  # the attacker fixed this cookie in the victim's browser

    assert login(victim, users["public"].username).status_code == 302

    assert session_cookie(victim) != planted
    assert replay(app, planted).status_code == 401
    assert victim.get("/api/v1/me").json["data"]["username"] == users["public"].username


def test_the_old_cookie_is_void_after_a_password_change(app, users, login_as):
    c = login_as("public")
    stolen = session_cookie(c)

    response = post_form(c, "/account/password",
                         {"current": factories.PASSWORD, "new": "brand-new-pass-9", "confirm": "brand-new-pass-9"})

    assert response.status_code == 302
    assert replay(app, stolen).status_code == 401
    assert c.get("/api/v1/me").status_code == 200


def _fail(client, username: str, ip: str):
    token = csrf_token(client)
    return client.post("/account/login", data={"username": username, "password": "wrong-pass-1",
                                               "csrf_token": token}, environ_base={"REMOTE_ADDR": ip})


def test_spraying_many_accounts_from_one_address_is_throttled(app, users):
    limit = app.config["LOGIN_MAX_FAILURES"]
    attacker = app.test_client()
    for n in range(limit * 4):  # never more than `limit` per account: only the address limit applies
        assert _fail(attacker, f"victim{n % 4}", "203.0.113.9").status_code == 422

    blocked = app.test_client()
    token = csrf_token(blocked)
    response = blocked.post("/account/login", data={"username": users["public"].username,
                                                    "password": factories.PASSWORD, "csrf_token": token},
                            environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 429
    assert blocked.get("/api/v1/me").status_code == 401
    # Someone else, elsewhere, logs in as usual.
    elsewhere = app.test_client()
    token = csrf_token(elsewhere)
    ok = elsewhere.post("/account/login", data={"username": users["public"].username,
                                                "password": factories.PASSWORD, "csrf_token": token},
                        environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert ok.status_code == 302


def test_case_and_space_variants_of_a_name_share_one_throttle(app, users):
    limit = app.config["LOGIN_MAX_FAILURES"]
    name = users["public"].username
    variants = [name.upper(), f"  {name}", f"{name}  ", name.title(), name]
    c = app.test_client()
    for n in range(limit):
        assert _fail(c, variants[n % len(variants)], f"192.0.2.{n}").status_code == 422

    token = csrf_token(c)
    response = c.post("/account/login", data={"username": name, "password": factories.PASSWORD, "csrf_token": token},
                      environ_base={"REMOTE_ADDR": "192.0.2.200"})

    assert response.status_code == 429


def test_unknown_and_known_accounts_are_throttled_alike(app, users):
    """Throttling does not tell an attacker which user names exist."""
    limit = app.config["LOGIN_MAX_FAILURES"]
    c = app.test_client()
    answers = {}
    for name in (users["public"].username, "nobody_here"):
        for n in range(limit):
            _fail(c, name, f"192.0.2.{n + 10}")
        response = _fail(c, name, "192.0.2.99")
        answers[name] = (response.status_code, response.get_data(as_text=True).count("15"))

    assert answers[users["public"].username] == answers["nobody_here"]
    assert answers["nobody_here"][0] == 429


@pytest.mark.parametrize("password, code", [
    ("Ab1" + "x" * 4, "password_length"),       # 7 characters
    ("Ab1" + "x" * 126, "password_length"),     # 129 characters
    ("12345678", "password_too_simple"),
    ("abcdefgh", "password_too_simple"),
    ("密码密码密码密码", "password_too_simple"),  # letters of any script are letters
    ("        ", "password_too_simple"),        # blanks only
    ("!!!!!!!!", "password_too_simple"),        # symbols only: one kind of character
    ("Zhang_San", "password_is_username"),
], ids=["short", "long", "digits", "letters", "chinese-letters", "blanks", "symbols", "username"])
def test_password_rules_refuse_weak_passwords(app, password, code):
    with pytest.raises(ValidationFailed) as refused:
        services.check_password_rules(password, "zhang_san")

    assert refused.value.code == code


@pytest.mark.parametrize("password", ["abcdefg1", "Ab1" + "x" * 125, "安全密码2024", "pass word!", "12345678!"],
                         ids=["eight", "128", "chinese-digits", "space-symbol", "digits-symbol"])
def test_password_rules_accept_mixed_passwords(app, password):
    """A password mixing kinds of character makes an account that can log in with it."""
    from app.core import clock

    user = services.register("zhang_san", "张三", password, None, now=clock.now())
    db.session.commit()
    assert services.authenticate("zhang_san", password, "127.0.0.1", now=clock.now()) == user


def test_a_banned_users_old_cookie_is_anonymous(app, users, login_as):
    from app.core import clock

    c = login_as("public")
    stolen = session_cookie(c)
    users["public"].banned_at = clock.now()
    db.session.commit()

    assert replay(app, stolen).status_code == 401


def test_an_open_live_socket_is_anonymous_after_its_browser_logs_out(app, users, login_as):
    from datetime import timedelta

    from app.core import clock
    from tests.conftest import socket_client

    ep = factories.episode("live")
    ep.live_at = clock.now() - timedelta(minutes=1)
    db.session.commit()
    browser = login_as("public")
    socket = socket_client(app, browser)
    first = socket.emit("comment", {"episode_id": ep.id, "body": "登录时的评论"}, namespace="/live", callback=True)
    assert first["ok"] is True

    browser.post("/account/logout", data={"csrf_token": csrf_token(browser, "/")})
    # The live namespace caches who is behind a connection for a couple of seconds (app/live/events.py);
    # once that has run out, the connection is anonymous.
    from app.live import events as live_events

    live_events.reset_state()

    after = socket.emit("comment", {"episode_id": ep.id, "body": "退出后的评论"}, namespace="/live", callback=True)
    assert after["ok"] is False and after["error"]["code"] == "login_required"
    assert socket.is_connected("/live")
