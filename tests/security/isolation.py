"""Test clients whose every request runs in its own application context.

The shared `app` fixture keeps one app context pushed for the whole test (so factories can
use db.session). Flask reuses an already-pushed context of the same app for requests, so
without this `g` — and with it Flask-Login's cached user, Flask-WTF's cached CSRF token and
the bearer-token user — would leak from one request (and one client) to the next. Running each
request in an empty contextvars.Context makes Flask push a fresh app context per request, as in
production, with its own database session.

The folders' conftest.py files import `client` and `login_as` from here, overriding the
shared fixtures of the same names.
"""
from __future__ import annotations

import contextvars
import re

import pytest
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login

META_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class IsolatedClient(FlaskClient):
    """A FlaskClient that runs each request outside the test's app context."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def new_client(app) -> IsolatedClient:
    """A fresh isolated client (its own cookie jar)."""
    return IsolatedClient(app, app.response_class, use_cookies=True)


def meta_csrf(client, path: str = "/") -> str:
    """The CSRF token a page puts in <meta name="csrf-token"> for this client's session."""
    html = client.get(path).get_data(as_text=True)
    match = META_RE.search(html)
    assert match, f"no <meta name=csrf-token> on {path}"
    return match.group(1)


def logged_in(app, username: str, password: str) -> IsolatedClient:
    """A new client logged in through the real form."""
    c = new_client(app)
    response = login(c, username, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return c


@pytest.fixture
def client(app):
    """An isolated test client."""
    return new_client(app)


@pytest.fixture
def login_as(app, users):
    """login_as(role) → a new isolated client logged in as that role's user."""
    from tests.factories import PASSWORD

    def _login(role: str) -> IsolatedClient:
        return logged_in(app, users[role].username, PASSWORD)
    return _login


__all__ = ["IsolatedClient", "new_client", "meta_csrf", "logged_in", "client", "login_as",
           "csrf_token", "login"]
