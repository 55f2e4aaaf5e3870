"""A small world for the Socket.IO security tests: two agencies, live/draft episodes, polls, a client per role."""
from __future__ import annotations

from datetime import timedelta

from app.accounts.models import User
from app.core import clock
from app.core.auth import actor_for
from app.core.db import unit_of_work
from app.episodes.models import Episode
from app.extensions import db, socketio
from app.live import seqs
from app.live import broadcast, likecounters, moderation, presence, words
from app.live import events as live_events
from app.live.models import Comment
from app.polls.models import Poll
from tests import factories
from tests.conftest import login, socket_client

#: Every role, plus staff of an agency that does not take part in the world's live episode.
ROLES = ("anonymous", "public", "observer", "agency_staff", "other_agency_staff", "coordinator", "admin")


def reset_live_state() -> None:
    """Empty batches, rooms, like counters and caches kept in process memory."""
    broadcast.reset()
    presence.reset()
    likecounters.counter().reset()
    live_events.reset_state()
    words.invalidate()


def build_world(users) -> dict:
    """Agency A (the agency_staff user's) leads a live episode; agency B leads another and has a draft."""
    agency_a = users["agency_staff"].agency
    agency_b = factories.agency()
    other_staff = factories.user("agency_staff", agency_obj=agency_b, username="otherstaff_u")
    asker = factories.user("public", username="asker_u")
    live_a = factories.episode("live", agencies=[agency_a], title="A 的直播")
    live_b = factories.episode("live", agencies=[agency_b], title="B 的直播")
    for ep in (live_a, live_b):
        ep.live_at = clock.now() - timedelta(minutes=5)
    draft_b = factories.episode("draft", agencies=[agency_b], title="B 的草稿")
    now = clock.now()
    polls = {}
    for state in ("open", "draft"):
        poll = Poll(title=f"{state} 民意征集", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=5),
                    votes_per_person=1, state=state, opened_at=now - timedelta(days=1) if state == "open" else None)
        db.session.add(poll)
        polls[state] = poll
    db.session.commit()
    return {"live": live_a.id, "live_b": live_b.id, "draft_b": draft_b.id, "open_poll": polls["open"].id,
            "draft_poll": polls["draft"].id, "asker": asker.id, "other_staff": other_staff.username,
            "coordinator": users["coordinator"].id}


def add_comment(world: dict, *, state: str = "published", kind: str = "question", episode: str = "live",
                body: str = "食堂多久复查？") -> int:
    """A committed comment by the world's asker (not through the rate-limited service)."""
    ep = db.session.get(Episode, world[episode])
    comment = Comment(episode_id=ep.id, seq=seqs.take(db.session.connection(), ep.id), user_id=world["asker"],
                      kind=kind, body=body,
                      state=state, created_at=clock.now())
    db.session.add(comment)
    db.session.commit()
    return comment.id


def add_user(banned: bool = False) -> int:
    """A committed public user, banned when asked."""
    user = factories.user("public")
    if banned:
        user.banned_at, user.ban_reason = clock.now(), "spam"
    db.session.commit()
    return user.id


def add_muted_user(world: dict) -> int:
    """A public user muted in the world's live episode."""
    user_id = add_user()
    coordinator = db.session.get(User, world["coordinator"])
    with unit_of_work():
        moderation.mute(actor_for(coordinator), world["live"], user_id, now=clock.now())
    return user_id


def http_clients(app, users, world, roles: tuple[str, ...] = ROLES) -> dict:
    """A logged-in Flask test client per role (anonymous: none)."""
    made = {"anonymous": None}
    for role in (r for r in roles if r != "anonymous"):
        client = app.test_client()
        name = world["other_staff"] if role == "other_agency_staff" else users[role].username
        assert login(client, name).status_code == 302
        made[role] = client
    return made


def sockets(app, http: dict, namespace: str) -> dict:
    """A connected Socket.IO test client per role on namespace."""
    return {role: socket_client(app, client, namespace=namespace) for role, client in http.items()}


def outcome(ack) -> str:
    """"ok" for a successful ack, else its error code (or a description of a malformed ack)."""
    if not isinstance(ack, dict):
        return f"no ack: {ack!r}"
    if ack.get("ok") is True:
        return "ok"
    if ack.get("ok") is False and isinstance(ack.get("error"), dict):
        return ack["error"].get("code", "no code")
    return f"malformed ack: {ack!r}"


def flush_live() -> int:
    """Send every pending live batch now."""
    return broadcast.batcher.flush(socketio)
