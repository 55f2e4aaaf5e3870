"""API: the calling user and their personal tokens."""
from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import select

from app.accounts import services
from app.accounts.models import ApiToken, User
from app.api.envelope import envelope, errors_doc, ok
from app.api.schemas import TokenCreateArgs, TokenSchema, UserSchema
from app.core import clock
from app.core.auth import current_actor, require_login
from app.core.db import unit_of_work
from app.extensions import db

blp = Blueprint("api_accounts", __name__, url_prefix="/api/v1", description="The calling user")


_alt = errors_doc(blp)


@blp.get("/me")
@blp.response(200, envelope(UserSchema))
@_alt("401")
def me():
    """The user behind the session cookie or bearer token."""
    actor = current_actor()
    require_login(actor)
    return ok(db.session.get(User, actor.user_id))


@blp.get("/tokens")
@blp.response(200, envelope(TokenSchema, many=True))
@_alt("401")
def list_tokens():
    """The caller's active tokens (secrets are never shown again)."""
    actor = current_actor()
    require_login(actor)
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == actor.user_id,
                                                       ApiToken.revoked_at.is_(None))
                                .order_by(ApiToken.id)).all()
    return ok(tokens)


@blp.post("/tokens")
@blp.arguments(TokenCreateArgs)
@blp.response(201, envelope(TokenSchema))
@_alt("401", "422")
def create_token(args: dict):
    """Issue a personal token; the secret is in this answer only."""
    actor = current_actor()
    require_login(actor)
    with unit_of_work():
        user = db.session.get(User, actor.user_id)
        token, secret = services.issue_token(user, args["name"], now=clock.now())
    token.secret = secret  # in this answer only; never stored
    return ok(token)


@blp.delete("/tokens/<int:token_id>")
@blp.response(200, envelope(TokenSchema))
@_alt("401", "404")
def revoke_token(token_id: int):
    """Revoke one of the caller's tokens."""
    actor = current_actor()
    require_login(actor)
    with unit_of_work():
        token = services.revoke_token(actor, token_id, now=clock.now())
    return ok(token)

