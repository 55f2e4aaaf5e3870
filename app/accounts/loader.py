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
        from sqlalchemy import select

        from app.accounts.models import User, UserSession

        parts = session_id.split(":")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            return None
        user_id, version, row_id = (int(p) for p in parts)
        # One query: the user, only while this browser's session row is open.
        user = db.session.scalar(select(User).join(UserSession, UserSession.user_id == User.id).where(
            User.id == user_id, UserSession.id == row_id, UserSession.ended_at.is_(None)))
        if user is None or user.session_version != version or not user.is_active:
            return None
        user.session_row_id = row_id
        return user

    @app.before_request
    def _bearer_token() -> None:
        """Authenticate API calls that carry `Authorization: Bearer <token>`."""
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return
        from app.accounts.services import actor_for_token
        from app.core.errors import NotLoggedIn

        actor, touched = actor_for_token(header[7:].strip(), now=clock.now())
        if actor is None:
            raise NotLoggedIn(_l("The API token is invalid or revoked."), code="token_invalid")
        if touched:
            db.session.commit()  # last_used_at, at most once a minute
        g.api_actor = actor  # current_actor() answers with it: no User is loaded for token calls
