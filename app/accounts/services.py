"""Account rules: registration, log-in with throttling, passwords, API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import ApiToken, LoginAttempt, User, UserSession
from app.agencies.models import Agency
from app.core.auth import ROLES, Actor, require_login
from app.core.errors import Conflict, NotAllowed, RateLimited, ValidationFailed
from app.core.db import run_core
from app.extensions import db

USERNAME_RE = re.compile(r"^[a-z0-9_]{3,30}$")
PASSWORD_MIN = 8
PASSWORD_MAX = 128


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt unless the test config speeds it up)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def check_password_rules(password: str, username: str = "") -> None:
    """Refuse passwords that are too short, too long, of one kind of character (or blank), or the username."""
    if not (PASSWORD_MIN <= len(password) <= PASSWORD_MAX):
        raise ValidationFailed(_l("A password needs 8 to 128 characters."), code="password_length")
    kinds = {"letter" if c.isalpha() else "digit" if c.isdigit() else "symbol" for c in password if not c.isspace()}
    if len(kinds) < 2:
        raise ValidationFailed(_l("Use both letters and digits (or symbols) in the password."),
                               code="password_too_simple")
    if username and password.lower() == username.lower():
        raise ValidationFailed(_l("The password must not be the user name."), code="password_is_username")


def normalize_username(username: str) -> str:
    """Trim and lower-case a user name, then check its shape."""
    name = (username or "").strip().lower()
    if not USERNAME_RE.match(name):
        raise ValidationFailed(
            _l("A user name has 3 to 30 characters: lower-case letters, digits or underscores."),
            code="username_invalid")
    return name


def check_display_name(display_name: str) -> str:
    """Trim a display name and check its length and characters."""
    name = " ".join((display_name or "").split())
    if not (1 <= len(name) <= 30) or any(ord(c) < 32 for c in name):
        raise ValidationFailed(_l("A display name has 1 to 30 characters."), code="display_name_invalid")
    return name


def register(username: str, display_name: str, password: str, email: str | None, *,
             now: datetime, role: str = "public", agency_id: int | None = None) -> User:
    """Create an account (public by default); refuses taken names and weak passwords."""
    name = normalize_username(username)
    shown = check_display_name(display_name)
    check_password_rules(password, name)
    email = (email or "").strip().lower() or None
    if role not in ROLES:
        raise ValidationFailed(_l("Unknown role."), code="role_invalid")
    if role == "agency_staff" and agency_id is None:
        raise ValidationFailed(_l("Agency staff must belong to an agency."), code="agency_required")
    taken = db.session.scalar(select(User.id).where(
        or_(User.username == name, (User.email == email) if email else False)))
    if taken is not None:
        raise Conflict(_l("That user name or e-mail is already registered."), code="account_exists")
    user = User(username=name, display_name=shown, email=email, password_hash=hash_password(password),
                role=role, agency_id=agency_id if role == "agency_staff" else None, created_at=now)
    db.session.add(user)
    db.session.flush()
    return user


def _recent_failures(column, value: str, since: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(LoginAttempt)
                             .where(column == value, LoginAttempt.created_at >= since)) or 0


def authenticate(username: str, password: str, ip: str, *, now: datetime) -> User | None:
    """Check credentials: the user, or None after recording the failure (the caller commits it).

    Too many recent failures per account or per address are refused outright.
    """
    name = (username or "").strip().lower()[:40]
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = now - window
    # Per address the limit is looser: many people share an address (offices, NAT).
    if (_recent_failures(LoginAttempt.username, name, since) >= limit
            or _recent_failures(LoginAttempt.ip, ip, since) >= limit * 4):
        raise RateLimited(_l("Too many failed log-ins. Please wait 15 minutes and try again."),
                          code="login_throttled")
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None or not check_password_hash(user.password_hash, password or ""):
        db.session.add(LoginAttempt(username=name, ip=ip, created_at=now))
        db.session.flush()
        return None
    if user.banned_at is not None:
        raise NotAllowed(_l("This account has been suspended."), code="account_banned")
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == name))
    user.last_login_at = now
    return user


def start_session(user: User, *, now: datetime) -> int:
    """Open a session row for a browser that logs in; its id goes into the signed session cookie."""
    row = UserSession(user_id=user.id, created_at=now)
    db.session.add(row)
    db.session.flush()
    return row.id


def log_out(actor: Actor, session_row_id: int | None, *, now: datetime) -> None:
    """End this browser's session: a copy of its cookie kept from before no longer logs in."""
    if actor.user_id is None or not session_row_id:
        return
    db.session.execute(update(UserSession).where(UserSession.id == session_row_id, UserSession.user_id == actor.user_id,
                                                 UserSession.ended_at.is_(None)).values(ended_at=now))


def change_password(actor: Actor, current: str, new: str) -> User:
    """Change the actor's password; every other session of theirs ends."""
    require_login(actor)
    user = db.session.get(User, actor.user_id)
    if user is None or not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed(_l("The current password is wrong."), code="bad_credentials")
    check_password_rules(new, user.username)
    user.password_hash = hash_password(new)
    user.session_version += 1
    return user


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(user: User, name: str, *, now: datetime) -> tuple[ApiToken, str]:
    """Create a personal API token; return it with its secret (shown once, stored hashed)."""
    name = (name or "").strip()
    if not (1 <= len(name) <= 80):
        raise ValidationFailed(_l("A token needs a name of 1 to 80 characters."), code="token_name_invalid")
    secret = "zb_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_token_hash(secret),
                     prefix=secret[:10], created_at=now)
    db.session.add(token)
    db.session.flush()
    return token, secret


#: The token and its user in one Core query, built once (no ORM objects, no statement built per call):
#: this runs on every API call.
_TOKEN_ACTOR = (select(ApiToken.id, ApiToken.last_used_at, User.id.label("user_id"), User.role, User.agency_id,
                       User.display_name, User.banned_at)
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None)))


def actor_for_token(secret: str, *, now: datetime) -> tuple[Actor | None, bool]:
    """The actor of the active user owning this token (or None), and whether its last-use time was written."""
    row = run_core(_TOKEN_ACTOR, {"token_hash": _token_hash(secret)}).one_or_none()
    if row is None or row.banned_at is not None:
        return None, False
    actor = Actor(user_id=row.user_id, role=row.role, agency_id=row.agency_id, display_name=row.display_name)
    # Write the last-use time at most once a minute: it is read rarely, written per call.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        return actor, True
    return actor, False


def agency_by_slug(slug: str) -> Agency:
    """Find an agency by slug or refuse with a clear message."""
    agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
    if agency is None:
        raise ValidationFailed(_l("Unknown agency."), code="agency_unknown")
    return agency


def revoke_token(actor: Actor, token_id: int, *, now: datetime) -> ApiToken:
    """Revoke one of the actor's own tokens (another user's token is "not found")."""
    from app.core.errors import NotFound

    require_login(actor)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.user_id or token.revoked_at is not None:
        raise NotFound(_l("No such token."), code="token_not_found")
    token.revoked_at = now
    return token
