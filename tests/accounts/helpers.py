"""Form helpers for the account tests: post the real forms with the page's CSRF token."""
from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from tests.conftest import csrf_token
from tests.security.helpers import text_of  # noqa: F401  (re-exported)


def post_form(client, path: str, data: dict, *, lang: str = "en"):
    """POST a form to path with the CSRF token its page gives this client (in the given language)."""
    token = csrf_token(client, path)
    separator = "&" if "?" in path else "?"
    return client.post(f"{path}{separator}lang={lang}", data={**data, "csrf_token": token})


def user_count() -> int:
    """Users in the database now (read fresh, not from the identity map)."""
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def fetch_user(username: str) -> User | None:
    """A user as the database has it now."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))
