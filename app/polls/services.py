"""Poll lifecycle and voting: every rule of the topic poll except proposals, tallies and decisions.

Opening and closing rule (the sweep in jobs.py applies it; see docs/polls.md):
a *draft* poll opens by itself once `opens_at` has passed, provided it has at least two
approved topics and its `closes_at` is still ahead; an *open* poll closes once `closes_at`
has passed. Both steps are idempotent and catch up after downtime.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, text

from app.agencies.models import Domain
from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from app.core.places import PLACE_KINDS
from app.core.realtime import after_commit
from app.core.db import run_core
from app.extensions import db
from app.notifications.services import audit
from app.polls.live import mark_dirty
from app.polls.models import Poll, Topic, Vote

#: A poll needs at least this many approved topics to open.
MIN_TOPICS_TO_OPEN = 2
MAX_VOTES_PER_PERSON = 20
POLL_FIELDS = ("title", "description", "opens_at", "closes_at", "votes_per_person",
               "proposals_open", "counts_visible")
#: Fields that may no longer change once voting has started (they would change the rules mid-vote).
LOCKED_WHEN_OPEN = ("opens_at", "votes_per_person", "counts_visible")


def require_coordinator(actor: Actor) -> None:
    """Refuse everyone but the coordinator (admins and the system pass)."""
    require_login(actor)
    if not actor.is_coordinator:
        raise NotAllowed(code="coordinator_only")


def get_poll(actor: Actor, poll_id: int, *, lock: bool = False) -> Poll:
    """The poll if the actor may see it (drafts only for the coordinator), else poll_not_found."""
    query = select(Poll).where(Poll.id == poll_id)
    if lock:
        query = query.with_for_update()
    poll = db.session.scalar(query)
    if poll is None or (poll.state == "draft" and not actor.is_coordinator):
        raise NotFound(_l("No such poll."), code="poll_not_found")
    return poll


def get_topic(poll: Poll, topic_id: Any) -> Topic:
    """A topic of this poll, else topic_not_found."""
    topic = db.session.get(Topic, topic_id) if isinstance(topic_id, int) else None
    if topic is None or topic.poll_id != poll.id:
        raise NotFound(_l("No such topic in this poll."), code="topic_not_found")
    return topic


#: How a field is named in messages (the code keeps the English field name).
FIELD_LABELS = {"title": _l("title"), "description": _l("description"), "reason": _l("reason"),
                "source": _l("source")}


def clean_text(value: Any, *, field: str, max_len: int, required: bool = True) -> str:
    """Strip a text field; refuse it empty (when required) or over-long."""
    code, field = field, FIELD_LABELS.get(field, field)
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationFailed(_l("%(field)s must be text.", field=field), code=f"{code}_invalid")
    if required and not text:
        raise ValidationFailed(_l("Please enter the %(field)s.", field=field), code=f"{code}_required")
    if len(text) > max_len:
        raise ValidationFailed(_l("The %(field)s may have at most %(n)s characters.", field=field, n=max_len),
                               code=f"{code}_too_long")
    return text


def domain_by_code(code: Any) -> Domain:
    """The domain named by its code, else domain_unknown."""
    domain = db.session.scalar(select(Domain).where(Domain.code == code)) if isinstance(code, str) else None
    if domain is None:
        raise ValidationFailed(_l("Unknown domain."), code="domain_unknown")
    return domain


def _check_window(opens_at: datetime, closes_at: datetime) -> None:
    if not isinstance(opens_at, datetime) or not isinstance(closes_at, datetime) \
            or opens_at.tzinfo is None or closes_at.tzinfo is None:
        raise ValidationFailed(_l("Please give the opening and closing times."), code="poll_dates_required")
    if closes_at <= opens_at:
        raise ValidationFailed(_l("The poll must close after it opens."), code="poll_closes_before_opens")


def _check_fields(fields: dict) -> dict:
    """Validate the poll fields present in `fields`; returns the cleaned values."""
    clean = dict(fields)
    if "title" in clean:
        clean["title"] = clean_text(clean["title"], field="title", max_len=120)
    if "description" in clean:
        clean["description"] = clean_text(clean["description"], field="description", max_len=5000,
                                          required=False)
    if "votes_per_person" in clean:
        n = clean["votes_per_person"]
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_VOTES_PER_PERSON:
            raise ValidationFailed(_l("Votes per person must be between 1 and %(n)s.", n=MAX_VOTES_PER_PERSON),
                                   code="votes_per_person_invalid")
    for flag in ("proposals_open", "counts_visible"):
        if flag in clean:
            clean[flag] = bool(clean[flag])
    return clean


def create_poll(actor: Actor, *, now: datetime, title: str, opens_at: datetime, closes_at: datetime,
                description: str = "", votes_per_person: int = 1, proposals_open: bool = True,
                counts_visible: bool = True) -> Poll:
    """Create a draft poll (coordinator)."""
    require_coordinator(actor)
    clean = _check_fields({"title": title, "description": description, "votes_per_person": votes_per_person,
                           "proposals_open": proposals_open, "counts_visible": counts_visible})
    _check_window(opens_at, closes_at)
    poll = Poll(opens_at=opens_at, closes_at=closes_at, state="draft", created_by_id=actor.user_id,
                created_at=now, **clean)
    db.session.add(poll)
    db.session.flush()
    audit(actor, "poll.create", "poll", poll.id, now=now, data={"title": poll.title})
    return poll


def update_poll(actor: Actor, poll_id: int, *, now: datetime, **changes: Any) -> Poll:
    """Change a draft poll; an open poll keeps its opening time, limit and count visibility."""
    require_coordinator(actor)
    poll = get_poll(actor, poll_id, lock=True)
    unknown = set(changes) - set(POLL_FIELDS)
    if unknown:
        raise ValidationFailed(_l("Unknown field."), code="field_unknown", details={"fields": sorted(unknown)})
    if poll.state in ("closed", "decided"):
        raise Conflict(_l("A closed poll can no longer be changed."), code="poll_closed")
    changes = {k: v for k, v in changes.items() if getattr(poll, k) != v}
    if poll.state == "open":
        locked = sorted(set(changes) & set(LOCKED_WHEN_OPEN))
        if locked:
            raise Conflict(_l("Voting has started: the opening time, the number of votes per person and "
                              "the visibility of counts can no longer change."), code="poll_field_locked",
                           details={"fields": locked})
        if "closes_at" in changes and changes["closes_at"] <= now:
            raise ValidationFailed(_l("The new closing time must be in the future."), code="poll_closes_in_past")
    clean = _check_fields(changes)
    _check_window(clean.get("opens_at", poll.opens_at), clean.get("closes_at", poll.closes_at))
    for key, value in clean.items():
        setattr(poll, key, value)
    db.session.flush()
    if clean:
        audit(actor, "poll.update", "poll", poll.id, now=now, data={"fields": sorted(clean)})
    return poll


def add_topic(actor: Actor, poll_id: int, *, now: datetime, title: str, domain_code: str,
              description: str = "", place_kind: str = "other") -> Topic:
    """Add an approved candidate topic (coordinator), while the poll is draft or open."""
    require_coordinator(actor)
    poll = get_poll(actor, poll_id)
    if poll.state not in ("draft", "open"):
        raise Conflict(_l("A closed poll takes no new topics."), code="poll_closed")
    topic = Topic(poll_id=poll.id, state="approved", created_at=now, reviewed_at=now,
                  **topic_fields(title, domain_code, description, place_kind))
    db.session.add(topic)
    db.session.flush()
    audit(actor, "topic.add", "topic", topic.id, now=now, data={"poll_id": poll.id, "title": topic.title})
    return topic


def topic_fields(title: Any, domain_code: Any, description: Any, place_kind: Any = "other") -> dict:
    """Validated title, domain, description and place kind of a topic."""
    if place_kind not in PLACE_KINDS:
        raise ValidationFailed(_l("Unknown kind of place."), code="place_kind_unknown")
    return {"title": clean_text(title, field="title", max_len=80),
            "domain_id": domain_by_code(domain_code).id,
            "description": clean_text(description, field="description", max_len=2000, required=False),
            "place_kind": place_kind}


def approved_topic_count(poll_id: int) -> int:
    """How many approved topics a poll has."""
    return db.session.scalar(select(func.count(Topic.id)).where(Topic.poll_id == poll_id,
                                                                Topic.state == "approved")) or 0


def open_and_close_due(now: datetime) -> tuple[list[int], list[int]]:
    """Open due drafts and close due open polls (idempotent); returns (opened ids, closed ids)."""
    opened, closed = [], []
    drafts = db.session.scalars(select(Poll).where(Poll.state == "draft", Poll.opens_at <= now,
                                                   Poll.closes_at > now).with_for_update(skip_locked=True))
    for poll in drafts:
        if approved_topic_count(poll.id) >= MIN_TOPICS_TO_OPEN:
            poll.state, poll.opened_at = "open", now
            opened.append(poll.id)
    due = db.session.scalars(select(Poll).where(Poll.state == "open", Poll.closes_at <= now)
                             .with_for_update(skip_locked=True))
    for poll in due:
        poll.state, poll.closed_at = "closed", now
        closed.append(poll.id)
    db.session.flush()
    return opened, closed


# ---------------------------------------------------------------- voting


def _check_open(poll: Any, now: datetime) -> None:
    """Refuse unless voting is open right now (`poll`: a Poll, or a row with state, opens_at, closes_at)."""
    if poll.state in ("closed", "decided") or (poll.state == "open" and now >= poll.closes_at):
        raise Conflict(_l("This poll is closed; votes are no longer accepted."), code="poll_closed")
    if poll.state != "open" or now < poll.opens_at:
        raise Conflict(_l("This poll is not open for voting yet."), code="poll_not_open")


#: The statements of a vote, built once: constructing a statement cost more than running it
#: (bench/poll/breakdown.py). Parameters are bound per call.
_VOTE_TARGET = (select(Poll.id, Poll.state, Poll.opens_at, Poll.closes_at, Poll.votes_per_person,
                       Topic.id.label("topic_id"), Topic.state.label("topic_state"),
                       Vote.topic_id.label("my_topic_id"), Vote.slot.label("my_slot"))
                .outerjoin(Topic, (Topic.poll_id == Poll.id) & (Topic.id == bindparam("topic_id")))
                # The voter's votes in this poll ride along (one row each): one round trip fewer.
                .outerjoin(Vote, (Vote.poll_id == Poll.id) & (Vote.user_id == bindparam("user_id")))
                .where(Poll.id == bindparam("poll_id")))
_MY_VOTES = select(Vote.topic_id, Vote.slot).where(Vote.poll_id == bindparam("poll_id"),
                                                   Vote.user_id == bindparam("user_id"))
# As text: SQLAlchemy's ON CONFLICT constructs have no cache key, so each execution compiled the
# INSERT again. The same SQL runs on SQLite (3.35+) and PostgreSQL.
_INSERT_VOTE = text(
    "INSERT INTO votes (poll_id, topic_id, user_id, slot, created_at) "
    "VALUES (:poll_id, :topic_id, :user_id, :slot, :created_at) ON CONFLICT DO NOTHING RETURNING id"
).bindparams(bindparam("created_at", type_=Vote.__table__.c.created_at.type))


def _insert_vote(values: dict) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING; the new row's id, or None when it did not go in."""
    return run_core(_INSERT_VOTE, values).scalar()


def _vote_target(poll_id: int, topic_id: Any, user_id: int) -> tuple[Any, list[tuple[int, int]]]:
    """The poll's and the topic's voting facts and the user's (topic, slot) votes, in one Core query.

    The facts are a row with poll columns only (topic_* None) when the topic is not this poll's,
    None when there is no such poll (the surge's path: no ORM entities).
    """
    topic_id = topic_id if isinstance(topic_id, int) and not isinstance(topic_id, bool) else -1
    rows = run_core(_VOTE_TARGET, {"poll_id": poll_id, "topic_id": topic_id, "user_id": user_id}).all()
    if not rows:
        return None, []
    return rows[0], [(r.my_topic_id, r.my_slot) for r in rows if r.my_topic_id is not None]


def vote(actor: Actor, poll_id: int, topic_id: int, *, now: datetime) -> Vote:
    """Vote for a topic: window, approved topic, once per topic, at most votes_per_person.

    The database decides under concurrency: UNIQUE (topic, user) and UNIQUE (poll, user, slot).
    A vote takes the smallest free slot; when a concurrent submit took it first, the insert does
    nothing and we read again (bounded by the limit), so the answer is always right.
    """
    require_login(actor)
    target, mine = _vote_target(poll_id, topic_id, actor.user_id)
    if target is None or (target.state == "draft" and not actor.is_coordinator):
        raise NotFound(_l("No such poll."), code="poll_not_found")
    _check_open(target, now)
    if target.topic_id is None:
        raise NotFound(_l("No such topic in this poll."), code="topic_not_found")
    if target.topic_state == "merged":
        raise Conflict(_l("This topic was merged into another one; vote for that topic instead."),
                       code="topic_merged")
    if target.topic_state != "approved":
        raise Conflict(_l("This topic is not open for voting."), code="topic_not_votable")
    for attempt in range(target.votes_per_person + 2):
        rows = mine if attempt == 0 else run_core(_MY_VOTES, {"poll_id": target.id, "user_id": actor.user_id}).all()
        if any(t == target.topic_id for t, _ in rows):
            raise Conflict(_l("You have already voted for this topic."), code="already_voted")
        taken = {slot for _, slot in rows}
        free = [s for s in range(1, target.votes_per_person + 1) if s not in taken]
        if not free:
            raise Conflict(_l("You have used all %(n)s of your votes in this poll. Withdraw one to vote "
                              "for another topic.", n=target.votes_per_person), code="vote_limit_reached")
        values = {"poll_id": target.id, "topic_id": target.topic_id, "user_id": actor.user_id,
                  "slot": free[0], "created_at": now}
        vote_id = _insert_vote(values)
        if vote_id is not None:
            break
    else:  # pragma: no cover - only when slots keep changing under us beyond the limit
        raise Conflict(_l("Your vote could not be recorded; please try again."), code="vote_retry")
    mark_results_changed(target.id)
    # The row as inserted, not read back (nor reloaded after the commit): this is the surge's path.
    return Vote(id=vote_id, **values)


def withdraw(actor: Actor, poll_id: int, topic_id: int, *, now: datetime) -> None:
    """Take back one's vote for a topic while the poll is open."""
    require_login(actor)
    poll = get_poll(actor, poll_id)
    _check_open(poll, now)
    topic = get_topic(poll, topic_id)
    deleted = db.session.query(Vote).filter_by(topic_id=topic.id, user_id=actor.user_id).delete()
    if not deleted:
        raise Conflict(_l("You have not voted for this topic."), code="vote_not_found")
    mark_results_changed(poll.id)


def my_votes(actor: Actor, poll_id: int) -> set[int]:
    """The topic ids the actor voted for in a poll."""
    if actor.user_id is None:
        return set()
    return set(db.session.scalars(select(Vote.topic_id).where(Vote.poll_id == poll_id,
                                                              Vote.user_id == actor.user_id)))


def mark_results_changed(poll_id: int) -> None:
    """After the commit, queue the poll's live results for the next batched broadcast."""
    after_commit(lambda: mark_dirty(poll_id))
