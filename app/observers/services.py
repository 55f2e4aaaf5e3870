"""Observer registry, invitations, binding an invitation to an account, and check-in.

Rules (docs/observers.md): only the coordinator keeps the registry and invites; invitations go
to scheduled or live episodes and expire at the episode start by default; accepted invitations
never exceed `Episode.observer_capacity`; only an accepted invitation can be checked in.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from app.episodes.models import Episode
from app.extensions import db
from app.notifications.services import audit, notify
from app.observers.models import OBSERVER_KINDS, Invitation, Observer

#: Episode states in which observers may be invited, respond, or be checked in.
OPEN_STATES = ("scheduled", "live")
#: Roles that may never be bound to an observer entry (they act for an agency or the program).
STAFF_ACCOUNT_ROLES = ("agency_staff", "coordinator", "admin")


def zh(message: str, **values) -> str:
    """A notification text in Simplified Chinese (the program's language)."""
    with force_locale("zh"):
        return gettext(message, **values)


def require_coordinator(actor: Actor) -> None:
    """Refuse anyone but the coordinator (and admins)."""
    require_login(actor)
    if not actor.is_coordinator:
        raise NotAllowed(_l("Only the coordinator can do this."), code="observer_coordinator_only")


def get_observer(observer_id: int) -> Observer:
    """An observer of the registry, or observer_not_found."""
    observer = db.session.get(Observer, observer_id)
    if observer is None:
        raise NotFound(_l("No such observer."), code="observer_not_found")
    return observer


def get_invitation(invitation_id: int) -> Invitation:
    """An invitation by id, or invitation_not_found."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(_l("No such invitation."), code="invitation_not_found")
    return invitation


def invitation_by_token(token: str) -> Invitation:
    """An invitation by the secret in its link, or invitation_not_found."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token == token[:64]))
    if invitation is None:
        raise NotFound(_l("This invitation link is not valid."), code="invitation_not_found")
    return invitation


def observer_of_user(user_id: int | None) -> Observer | None:
    """The registry entry linked to an account, if any."""
    if user_id is None:
        return None
    return db.session.scalar(select(Observer).where(Observer.user_id == user_id))


# ---------------------------------------------------------------- registry


def _clean(fields: dict) -> dict:
    """Validate registry fields; raise with the field named."""
    out = {}
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name or len(name) > 40:
            raise ValidationFailed(_l("Enter a name of 1 to 40 characters."), code="observer_name_invalid",
                                   details={"fields": {"name": ["invalid"]}})
        out["name"] = name
    if "kind" in fields:
        if fields["kind"] not in OBSERVER_KINDS:
            raise ValidationFailed(_l("Choose a kind of observer."), code="observer_kind_invalid",
                                   details={"fields": {"kind": ["invalid"]}})
        out["kind"] = fields["kind"]
    for key, limit in (("organisation", 120), ("contact", 120)):
        if key in fields:
            value = (fields[key] or "").strip()
            if len(value) > limit:
                raise ValidationFailed(_l("This text is too long."), code=f"observer_{key}_invalid",
                                       details={"fields": {key: ["too long"]}})
            out[key] = value
    for key in ("term_start", "term_end", "listed"):
        if key in fields:
            out[key] = fields[key]
    return out


def _link_account(observer: Observer, username: str | None) -> None:
    """Link (or unlink, with a blank name) the observer's site account."""
    username = (username or "").strip().lower()
    old = observer.user
    if not username:
        if old is not None and old.role == "observer":
            old.role = "public"  # no registry entry any more: back to a citizen account
        observer.user_id = None
        return
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValidationFailed(_l("No account has this user name."), code="observer_account_unknown",
                               details={"fields": {"username": ["unknown"]}})
    _check_bindable(user, observer)
    if old is not None and old.id != user.id and old.role == "observer":
        old.role = "public"
    observer.user_id = user.id
    if user.role == "public":
        user.role = "observer"


def _check_bindable(user: User, observer: Observer) -> None:
    """Refuse staff accounts and accounts already linked to another observer."""
    if user.role in STAFF_ACCOUNT_ROLES:
        raise Conflict(_l("Staff accounts (agency, coordinator, admin) cannot be linked to an observer."),
                       code="observer_account_staff", details={"fields": {"username": ["staff"]}})
    other = observer_of_user(user.id)
    if other is not None and other.id != observer.id:
        raise Conflict(_l("This account is already linked to another observer."),
                       code="observer_account_taken", details={"fields": {"username": ["taken"]}})


def _check_term(observer: Observer) -> None:
    if observer.term_start and observer.term_end and observer.term_end < observer.term_start:
        raise ValidationFailed(_l("The term cannot end before it starts."), code="observer_term_invalid",
                               details={"fields": {"term_end": ["before start"]}})


def create_observer(actor: Actor, *, now: datetime, username: str | None = None, **fields) -> Observer:
    """Add an observer to the registry (name and kind required)."""
    require_coordinator(actor)
    values = _clean({"name": fields.get("name"), "kind": fields.get("kind"), **fields})
    observer = Observer(**values, created_at=now)
    _check_term(observer)
    db.session.add(observer)
    db.session.flush()
    _link_account(observer, username)
    db.session.flush()
    audit(actor, "observer.create", "observer", observer.id, now=now)
    return observer


def update_observer(actor: Actor, observer_id: int, *, now: datetime, username: object = ...,
                    **fields) -> Observer:
    """Change the given registry fields; `username` links, relinks or (blank) unlinks the account."""
    require_coordinator(actor)
    observer = get_observer(observer_id)
    for key, value in _clean(fields).items():
        setattr(observer, key, value)
    _check_term(observer)
    if username is not ...:
        _link_account(observer, username)  # type: ignore[arg-type]
    db.session.flush()
    audit(actor, "observer.update", "observer", observer.id, now=now, data={"fields": sorted(fields)})
    return observer


# ---------------------------------------------------------------- invitations


def accepted_count(episode_id: int) -> int:
    """Accepted invitations of an episode."""
    return db.session.scalar(select(func.count(Invitation.id)).where(
        Invitation.episode_id == episode_id, Invitation.state == "accepted")) or 0


def invite(actor: Actor, episode_id: int, observer_id: int, *, now: datetime,
           expires_at: datetime | None = None) -> Invitation:
    """Invite an observer to a scheduled or live episode (a revoked invitation is renewed)."""
    require_coordinator(actor)
    episode = db.session.get(Episode, episode_id)
    if episode is None:
        raise NotFound(_l("No such episode."), code="episode_not_found")
    observer = get_observer(observer_id)
    if episode.state not in OPEN_STATES:
        raise Conflict(_l("Observers can only be invited to scheduled or live episodes."),
                       code="invitation_episode_state")
    expires = expires_at or episode.scheduled_start
    if expires <= now:
        raise ValidationFailed(_l("The invitation would expire in the past."), code="invitation_expiry_invalid",
                               details={"fields": {"expires_at": ["past"]}})
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.episode_id == episode.id, Invitation.observer_id == observer.id))
    if invitation is not None and invitation.state != "revoked":
        raise Conflict(_l("This observer is already invited to this episode."), code="invitation_exists")
    if invitation is None:
        invitation = Invitation(episode_id=episode.id, observer_id=observer.id, created_at=now)
        db.session.add(invitation)
    invitation.token = secrets.token_urlsafe(24)
    invitation.state, invitation.expires_at, invitation.responded_at = "pending", expires, None
    invitation.reminded_at = None
    db.session.flush()
    if observer.user_id:
        notify([observer.user_id], "observer_invitation",
               zh("You are invited to observe episode %(number)s", number=episode.number), now=now,
               body=episode.title, link=f"/invitations/{invitation.token}",
               dedupe_key=f"invitation:{invitation.id}:{invitation.token[:8]}")
    audit(actor, "invitation.create", "invitation", invitation.id, now=now)
    return invitation


def revoke(actor: Actor, invitation_id: int, *, now: datetime) -> Invitation:
    """Withdraw an invitation (not once the observer was checked in)."""
    require_coordinator(actor)
    invitation = get_invitation(invitation_id)
    if invitation.state == "revoked":
        raise Conflict(_l("This invitation was already revoked."), code="invitation_revoked")
    if invitation.checked_in_at is not None:
        raise Conflict(_l("The observer is already checked in; the invitation cannot be revoked."),
                       code="invitation_checked_in")
    invitation.state, invitation.responded_at = "revoked", now
    db.session.flush()
    audit(actor, "invitation.revoke", "invitation", invitation.id, now=now)
    return invitation


def _usable(invitation: Invitation, now: datetime) -> None:
    """Refuse revoked and expired invitations, and episodes no longer open."""
    if invitation.state == "revoked":
        raise Conflict(_l("This invitation was revoked by the coordinator."), code="invitation_revoked")
    if now >= invitation.expires_at:
        raise Conflict(_l("This invitation has expired."), code="invitation_expired")
    if invitation.episode.state not in OPEN_STATES:
        raise Conflict(_l("This episode no longer takes observers."), code="invitation_episode_state")


def _own(actor: Actor, invitation: Invitation) -> None:
    require_login(actor)
    if invitation.observer.user_id != actor.user_id:
        raise NotAllowed(_l("This invitation is addressed to someone else."), code="invitation_not_yours")


def respond(actor: Actor, invitation_id: int, accept: bool, *, now: datetime) -> Invitation:
    """The invited observer accepts or declines (within capacity, before expiry)."""
    require_login(actor)
    invitation = get_invitation(invitation_id)
    _own(actor, invitation)
    _usable(invitation, now)
    if accept:
        if invitation.state == "accepted":
            raise Conflict(_l("You have already accepted this invitation."), code="invitation_already_accepted")
        # lock the episode row so two acceptances cannot both take the last seat (PostgreSQL)
        episode = db.session.scalar(select(Episode).where(Episode.id == invitation.episode_id).with_for_update())
        if accepted_count(episode.id) >= episode.observer_capacity:
            raise Conflict(_l("All observer places for this episode are taken."), code="invitation_capacity_full")
        invitation.state = "accepted"
    else:
        if invitation.state == "declined":
            raise Conflict(_l("You have already declined this invitation."), code="invitation_already_declined")
        if invitation.checked_in_at is not None:
            raise Conflict(_l("You are already checked in."), code="invitation_checked_in")
        invitation.state = "declined"
    invitation.responded_at = now
    db.session.flush()
    return invitation


def bind(actor: Actor, token: str, *, now: datetime) -> Invitation:
    """Link the invitation's observer to the caller's account (public accounts become observers)."""
    require_login(actor)
    invitation = invitation_by_token(token)
    _usable(invitation, now)
    observer = invitation.observer
    if observer.user_id == actor.user_id:
        raise Conflict(_l("This invitation is already linked to your account."), code="invitation_already_bound")
    if observer.user_id is not None:
        raise Conflict(_l("This invitation is already linked to another account."),
                       code="invitation_bound_elsewhere")
    user = db.session.get(User, actor.user_id)
    _check_bindable(user, observer)
    observer.user_id = user.id
    if user.role == "public":
        user.role = "observer"
    db.session.flush()
    audit(actor, "invitation.bind", "observer", observer.id, now=now)
    return invitation


def check_in(actor: Actor, episode_id: int, observer_id: int, *, now: datetime) -> Invitation:
    """Record that an invited, accepted observer is present on site."""
    require_coordinator(actor)
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.episode_id == episode_id, Invitation.observer_id == observer_id))
    if invitation is None or invitation.state == "revoked":
        raise Conflict(_l("This person is not invited to this episode."), code="observer_not_invited")
    if invitation.state != "accepted":
        raise Conflict(_l("This observer has not accepted the invitation; only accepted observers can be "
                          "checked in."), code="invitation_not_accepted")
    if invitation.checked_in_at is not None:
        raise Conflict(_l("This observer is already checked in."), code="invitation_already_checked_in")
    if invitation.episode.state not in OPEN_STATES:
        raise Conflict(_l("Check-in is only possible before or during the live."), code="invitation_episode_state")
    invitation.checked_in_at, invitation.checked_in_by_id = now, actor.user_id
    db.session.flush()
    audit(actor, "invitation.check_in", "invitation", invitation.id, now=now)
    return invitation


def term_active(observer: Observer, today: date) -> bool:
    """Whether today falls within the observer's term (open ends count as active)."""
    return ((observer.term_start is None or observer.term_start <= today)
            and (observer.term_end is None or observer.term_end >= today))
