"""Flask-Login wiring: session users and Bearer-token users."""
from __future__ import annotations

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l

from app.core import clock
from app.extensions import db, login_manager


def init_login(app: Flask) -> None:
    """Configure Flask-Login and the Bearer-token loader."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in first.")
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(session_id: str):
        from app.accounts.models import User

        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or str(user.session_version) != version or not user.is_active:
            return None
        return user

    @app.before_request
    def _bearer_token() -> None:
        """Authenticate API calls that carry `Authorization: Bearer <token>`."""
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return
        from app.accounts.services import user_for_token
        from app.core.errors import NotLoggedIn

        user = user_for_token(header[7:].strip(), now=clock.now())
        if user is None:
            raise NotLoggedIn(_l("The API token is invalid or revoked."), code="token_invalid")
        db.session.commit()  # last_used_at
        g.api_user = user
