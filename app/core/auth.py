"""Who is acting: roles, the Actor value services receive, and access checks."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.core.errors import NotAllowed, NotLoggedIn


class Role(StrEnum):
    """Site roles, from least to most privileged."""

    PUBLIC = "public"
    OBSERVER = "observer"
    AGENCY_STAFF = "agency_staff"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)
#: Roles that run the program (the coordinator's office; admins can do all it can).
STAFF_ROLES = (Role.COORDINATOR, Role.ADMIN)


@dataclass(frozen=True)
class Actor:
    """The person behind a request, socket event or job, as services see them."""

    user_id: int | None
    role: str
    agency_id: int | None = None
    display_name: str = ""

    @property
    def is_authenticated(self) -> bool:
        """True for a logged-in user (or a job acting as the system)."""
        return self.user_id is not None or self.role == "system"

    @property
    def is_coordinator(self) -> bool:
        """Coordinators and admins run the program."""
        return self.role in STAFF_ROLES or self.role == "system"

    def is_agency_member(self, agency_id: int | None) -> bool:
        """True when the actor is staff of exactly this agency."""
        return self.role == Role.AGENCY_STAFF and agency_id is not None and self.agency_id == agency_id


ANONYMOUS = Actor(user_id=None, role="anonymous")
#: Scheduled jobs act as the system: allowed what the coordinator may do.
SYSTEM = Actor(user_id=None, role="system", display_name="system")


def require_login(actor: Actor) -> None:
    """Refuse anonymous actors."""
    if not actor.is_authenticated:
        raise NotLoggedIn()


def require_role(actor: Actor, *roles: str) -> None:
    """Refuse unless the actor holds one of roles (admins and the system pass every check)."""
    require_login(actor)
    if actor.role in ("admin", "system") or actor.role in roles:
        return
    raise NotAllowed()


def require_agency(actor: Actor, agency_id: int | None) -> None:
    """Refuse unless the actor is the coordinator or staff of this agency."""
    require_login(actor)
    if actor.is_coordinator or actor.is_agency_member(agency_id):
        return
    raise NotAllowed()


def actor_for(user) -> Actor:
    """Build an Actor from a User (or anonymous when None or not logged in)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    return Actor(user_id=user.id, role=user.role, agency_id=user.agency_id,
                 display_name=user.display_name)


def current_actor() -> Actor:
    """The actor of the current request: bearer token user, else the session user."""
    from flask import g
    from flask_login import current_user

    api_actor = g.get("api_actor")
    if api_actor is not None:
        return api_actor
    return actor_for(current_user)
