"""Registering through the real form."""
from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from app.extensions import db
from tests import factories
from tests.accounts.helpers import fetch_user, post_form, text_of, user_count

GOOD = {"username": "li_ming", "display_name": "李明", "email": "", "password": "Lm-2024-safe",
        "confirm": "Lm-2024-safe"}


def register(client, **changes):
    return post_form(client, "/account/register", {**GOOD, **changes})


def test_register_logs_in_and_shows_the_display_name(app, client):
    response = register(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/?lang=en")
    page = text_of(home)
    assert "李明" in page
    assert "Welcome, 李明. Your account is ready." in page
    me = client.get("/api/v1/me").json
    assert me["data"]["username"] == "li_ming"
    assert me["data"]["role"] == "public"
    assert me["data"]["display_name"] == "李明"


def test_username_is_stored_lower_case_and_email_kept(app, client):
    response = register(client, username="Li_Ming", email="Li@Example.org")

    assert response.status_code == 302
    user = fetch_user("li_ming")
    assert user is not None and user.email == "li@example.org"


def test_password_is_stored_hashed(app, client):
    register(client)

    user = fetch_user("li_ming")
    assert user.password_hash != GOOD["password"]
    assert GOOD["password"] not in user.password_hash
    assert check_password_hash(user.password_hash, GOOD["password"])


@pytest.mark.parametrize("changes, status, message", [
    ({"username": "Bad Name!"}, 422,
     "A user name has 3 to 30 characters: lower-case letters, digits or underscores."),
    ({"username": "李明明"}, 422,
     "A user name has 3 to 30 characters: lower-case letters, digits or underscores."),
    ({"username": "ab"}, 422, "Field must be between 3 and 30 characters long."),
    ({"password": "ab12", "confirm": "ab12"}, 422, "Field must be between 8 and 128 characters long."),
    ({"password": "1234567890", "confirm": "1234567890"}, 422,
     "Use both letters and digits (or symbols) in the password."),
    ({"password": "onlyletters", "confirm": "onlyletters"}, 422,
     "Use both letters and digits (or symbols) in the password."),
    ({"username": "liming2024", "password": "LiMing2024", "confirm": "LiMing2024"}, 422,
     "The password must not be the user name."),
    ({"confirm": "Lm-2024-other"}, 422, "The passwords differ."),
    ({"display_name": "长" * 31}, 422, "Field cannot be longer than 30 characters."),
    ({"display_name": "   "}, 422, "This field is required."),
], ids=["username-shape", "username-chinese", "username-short", "password-short", "password-digits",
        "password-letters", "password-is-username", "confirm-differs", "display-name-long",
        "display-name-blank"])
def test_refused_registration_says_why_and_creates_nobody(app, client, changes, status, message):
    before = user_count()

    response = register(client, **changes)

    assert response.status_code == status
    assert message in text_of(response)
    assert user_count() == before
    assert client.get("/api/v1/me").status_code == 401


def test_taken_username_is_refused_with_409(app, client):
    factories.user("public", username="li_ming")
    db.session.commit()

    response = register(client, username="LI_MING")

    assert response.status_code == 409
    assert "That user name or e-mail is already registered." in text_of(response)
    assert user_count() == 1
    assert fetch_user("li_ming").display_name != "李明"
    assert client.get("/api/v1/me").status_code == 401


def test_taken_email_is_refused(app, client):
    register(client, email="li@example.org")
    other = app.test_client()

    response = post_form(other, "/account/register", {**GOOD, "username": "wang_fang",
                                                       "email": "LI@example.org"})

    assert response.status_code == 409
    assert "That user name or e-mail is already registered." in text_of(response)
    assert fetch_user("wang_fang") is None


def test_refused_form_keeps_what_was_typed_except_passwords(app, client):
    response = register(client, confirm="Lm-2024-other")

    page = text_of(response)
    assert 'value="li_ming"' in page
    assert GOOD["password"] not in page
