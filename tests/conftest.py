"""Fixtures: app, client, runner, per-role users and logged-in clients.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points to
one (CI does both). The schema is built once by the real migrations; each test
starts from empty tables.
"""
from __future__ import annotations

import contextvars
import os
import re
import tempfile
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="zhibo-tests-"))
os.environ.setdefault("ZHIBO_INSTANCE_DIR", str(_TMP / "instance"))
os.environ.setdefault("ZHIBO_ASYNC", "threading")

from flask.testing import FlaskClient  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestConfig, _database_url  # noqa: E402
from tests import factories  # noqa: E402

# The real server process (live_server) and the CI-aware skip/fail guard.
pytest_plugins = ["tests.live_server"]

ROLES = ("public", "observer", "agency_staff", "coordinator", "admin")


def database_url() -> str:
    """PostgreSQL when DATABASE_URL is set, else a SQLite file for this run."""
    if os.environ.get("DATABASE_URL"):
        return _database_url("unused")
    return f"sqlite:///{_TMP / 'test.sqlite3'}"


def is_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return database_url().startswith("postgresql")


class FreshContextClient(FlaskClient):
    """A test client whose requests each get their own app context, as in production.

    The `app` fixture keeps an app context open for factories and queries; without
    this, every request would share its `g` (CSRF tokens, pending broadcasts) and
    its database session.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()  # see what the request committed
        return response


def socket_client(app, http_client=None, namespace: str = "/live"):
    """A Flask-SocketIO test client whose events each run in a fresh app context (as in production)."""
    from flask_socketio import SocketIOTestClient

    from app.extensions import socketio

    class _Client(SocketIOTestClient):
        def emit(self, *args, **kwargs):
            result = contextvars.Context().run(super().emit, *args, **kwargs)
            db.session.expire_all()
            return result

    return _Client(app, socketio, namespace=namespace, flask_test_client=http_client)


@pytest.fixture(scope="session")
def _app():
    """One app for the session, its schema built by the migrations."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url())
    app.test_client_class = FreshContextClient
    with app.app_context():
        if is_postgres():
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
    return app


def _empty_tables() -> None:
    """Delete every row, fast, keeping the migrated schema."""
    tables = [t.name for t in db.metadata.sorted_tables]
    if is_postgres():
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        db.session.execute(text("PRAGMA foreign_keys=OFF"))
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))
        db.session.execute(text("PRAGMA foreign_keys=ON"))
    db.session.commit()


@pytest.fixture
def app(_app):
    """The app with empty tables and an app context."""
    with _app.app_context():
        _empty_tables()
        yield _app
        db.session.remove()
    from app.core import ratelimit

    ratelimit.reset()


@pytest.fixture
def client(app):
    """A test client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask …` commands."""
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/account/login") -> str:
    """Read the CSRF token a page gives this client's session."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client, username: str, password: str = factories.PASSWORD):
    """Log in through the real form, CSRF token included."""
    token = csrf_token(client)
    return client.post("/account/login", data={"username": username, "password": password,
                                               "csrf_token": token})


@pytest.fixture
def users(app):
    """One committed user per role (agency staff belong to their own agency)."""
    made = {role: factories.user(role, username=f"{role.replace('_', '')}_u") for role in ROLES}
    db.session.commit()
    return made


@pytest.fixture
def login_as(app, users):
    """login_as(role) → a new client logged in as that role's user."""
    def _login(role: str):
        c = app.test_client()
        response = login(c, users[role].username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c
    return _login
