"""Episode rules: creating, editing, the lifecycle, reminders and viewer counts.

Lifecycle: draft → scheduled (publish) → live (go_live) → ended (end) → follow_up
(start_follow_up) → closed (close). The coordinator makes every transition; going live and
ending may also be done by whoever runs the live: the episode's host user and staff of its
lead agency (see docs/access.md). Each transition records its time.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.core import realtime
from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotAllowed, NotFound
from app.episodes import validation as v
from app.episodes.models import Episode, EpisodeAgency, EpisodeViewer
from app.episodes.queries import episode_of, visible_episodes
from app.episodes.rooms import NAMESPACE, episode_room
from app.extensions import db
from app.notifications.services import audit, follow, unfollow
from app.polls import services as polls

#: transition name → (from state, to state, timestamp column, who besides the coordinator)
TRANSITIONS: dict[str, tuple[str, str, str, str | None]] = {
    "publish": ("draft", "scheduled", "published_at", None),
    "go_live": ("scheduled", "live", "live_at", "host"),
    "end": ("live", "ended", "ended_at", "host"),
    "start_follow_up": ("ended", "follow_up", "follow_up_at", None),
    "close": ("follow_up", "closed", "closed_at", None),
}


def require_coordinator(actor: Actor) -> None:
    """Refuse everyone but the coordinator (and admins, and the system)."""
    require_login(actor)
    if not actor.is_coordinator:
        raise NotAllowed(_l("Only the coordinator may do this."), code="episode_coordinator_only")


def may_run_live(actor: Actor, episode: Episode) -> bool:
    """True for those who run the live: coordinator, the host user, staff of the lead agency."""
    if actor.is_coordinator:
        return True
    if actor.user_id is not None and actor.user_id == episode.host_user_id:
        return True
    lead = next((p.agency_id for p in episode.participations if p.role == "lead"), None)
    return actor.is_agency_member(lead)


def check_may_step(actor: Actor, episode: Episode) -> None:
    """Refuse at the door whoever may make no lifecycle step of the episode (transition checks each step)."""
    if not may_run_live(actor, episode):
        raise NotAllowed(code="episode_transition_forbidden")


def get_visible(actor: Actor, episode_id: int) -> Episode:
    """The episode if the actor may see it, else episode_not_found."""
    episode = db.session.scalar(visible_episodes(actor).where(Episode.id == episode_id))
    if episode is None:
        raise NotFound(_l("No such episode."), code="episode_not_found")
    return episode


def _set_agencies(episode: Episode, agency_ids: list[int]) -> None:
    wanted = {aid: ("lead" if i == 0 else "support") for i, aid in enumerate(agency_ids)}
    kept = []
    for part in list(episode.participations):
        if part.agency_id in wanted:
            part.role = wanted.pop(part.agency_id)
            kept.append(part)
    episode.participations = kept + [EpisodeAgency(agency_id=aid, role=role) for aid, role in wanted.items()]


def create_episode(actor: Actor, *, title: str, domain_id: int, agency_ids: list[int],
                   scheduled_start: datetime, now: datetime, topic_id: int | None = None,
                   number: int | None = None, **details: Any) -> Episode:
    """Create a draft episode (coordinator only); the first agency leads; number defaults to the next free."""
    require_coordinator(actor)
    values = {
        "title": v.clean_title(title),
        "domain_id": v.check_domain(domain_id),
        "scheduled_start": v.check_start(scheduled_start, now),
        "topic_id": v.check_topic(topic_id),
        "number": v.next_number() if number is None else v.check_number(number),
    }
    agencies = v.check_agencies(agency_ids)
    values.update(v.clean_details(details))
    episode = Episode(state="draft", created_by_id=actor.user_id, created_at=now, **values)
    _set_agencies(episode, agencies)
    db.session.add(episode)
    db.session.flush()
    audit(actor, "episode.create", "episode", episode.id, now=now,
          data={"number": episode.number, "title": episode.title})
    return episode


def create_episode_from_decision(actor: Actor, poll_id: int, *, title: Any, agency_ids: list[int],
                                 scheduled_start: datetime, now: datetime, **details: Any) -> Episode:
    """Second step of a poll's decision: a draft episode on the chosen topic (one per poll)."""
    polls.require_coordinator(actor)
    poll = polls.get_poll(actor, poll_id, lock=True)
    if poll.state != "decided":
        raise Conflict(_l("Decide the topic first."), code="poll_not_decided")
    if episode_of(poll) is not None:
        raise Conflict(_l("The episode for this poll has already been created."), code="episode_exists")
    topic = poll.decided_topic
    episode = create_episode(actor, title=title, domain_id=topic.domain_id, agency_ids=agency_ids,
                             scheduled_start=scheduled_start, now=now, topic_id=topic.id, **details)
    audit(actor, "poll.episode", "poll", poll.id, now=now, data={"episode_id": episode.id})
    return episode


def update_episode(actor: Actor, episode_id: int, *, now: datetime, **changes: Any) -> Episode:
    """Change an episode's fields (coordinator; not once it is closed). Only the given fields change."""
    require_coordinator(actor)
    episode = get_visible(actor, episode_id)
    if episode.state == "closed":
        raise Conflict(_l("A closed episode can no longer be changed."), code="episode_closed")
    values: dict[str, Any] = {}
    if "title" in changes:
        values["title"] = v.clean_title(changes.pop("title"))
    if "domain_id" in changes:
        values["domain_id"] = v.check_domain(changes.pop("domain_id"))
    if "scheduled_start" in changes:
        start = changes.pop("scheduled_start")
        unchanged = isinstance(start, datetime) and start == episode.scheduled_start
        # Only drafts and scheduled episodes need a future start; a moved live start is history.
        values["scheduled_start"] = v.check_start(
            start, now, future=episode.state in ("draft", "scheduled") and not unchanged)
    if "topic_id" in changes:
        values["topic_id"] = v.check_topic(changes.pop("topic_id"), episode.id)
    if "number" in changes:
        values["number"] = v.check_number(changes.pop("number"), episode.id)
    agencies = v.check_agencies(changes.pop("agency_ids")) if "agency_ids" in changes else None
    values.update(v.clean_details(changes))
    for name, value in values.items():
        setattr(episode, name, value)
    if agencies is not None:
        _set_agencies(episode, agencies)
    db.session.flush()
    audit(actor, "episode.update", "episode", episode.id, now=now,
          data={"fields": sorted(values) + (["agency_ids"] if agencies is not None else [])})
    return episode


def set_cover(actor: Actor, episode_id: int, cover_path: str | None, *, now: datetime) -> Episode:
    """Record the stored cover image's path (coordinator; the route stores the file)."""
    require_coordinator(actor)
    episode = get_visible(actor, episode_id)
    if episode.state == "closed":
        raise Conflict(_l("A closed episode can no longer be changed."), code="episode_closed")
    episode.cover_path = cover_path
    audit(actor, "episode.cover", "episode", episode.id, now=now)
    return episode


def transition(actor: Actor, episode_id: int, name: str, *, now: datetime) -> Episode:
    """Move an episode one step along its lifecycle, if the actor's role and its state allow."""
    if name not in TRANSITIONS:
        raise NotFound(_l("No such step."), code="episode_transition_unknown")
    source, target, stamp, others = TRANSITIONS[name]
    require_login(actor)
    episode = get_visible(actor, episode_id)
    allowed = actor.is_coordinator or (others == "host" and may_run_live(actor, episode))
    if not allowed:
        raise NotAllowed(_l("You may not make this change to the episode."), code="episode_transition_forbidden")
    if episode.state != source:
        raise Conflict(_l("This step is not possible in the episode's current state."),
                       code="episode_state_invalid", details={"state": episode.state, "needs": source})
    if name == "publish":
        v.check_start(episode.scheduled_start, now)
    episode.state = target
    setattr(episode, stamp, now)
    db.session.flush()
    audit(actor, f"episode.{name}", "episode", episode.id, now=now, data={"from": source, "to": target})
    realtime.emit("state", {"episode_id": episode.id, "state": target, "at": now.isoformat()},
                  room=episode_room(episode.id), namespace=NAMESPACE)
    return episode


def publish(actor: Actor, episode_id: int, *, now: datetime) -> Episode:
    """draft → scheduled (coordinator); the start must still be in the future."""
    return transition(actor, episode_id, "publish", now=now)


def go_live(actor: Actor, episode_id: int, *, now: datetime) -> Episode:
    """scheduled → live (coordinator, host user, lead agency staff)."""
    return transition(actor, episode_id, "go_live", now=now)


def end(actor: Actor, episode_id: int, *, now: datetime) -> Episode:
    """live → ended (coordinator, host user, lead agency staff)."""
    return transition(actor, episode_id, "end", now=now)


def start_follow_up(actor: Actor, episode_id: int, *, now: datetime) -> Episode:
    """ended → follow_up (coordinator)."""
    return transition(actor, episode_id, "start_follow_up", now=now)


def close(actor: Actor, episode_id: int, *, now: datetime) -> Episode:
    """follow_up → closed (coordinator)."""
    return transition(actor, episode_id, "close", now=now)


def remind_me(actor: Actor, episode_id: int, *, now: datetime, on: bool = True) -> None:
    """Follow (or stop following) an episode: a reminder 30 minutes before it starts."""
    require_login(actor)
    episode = get_visible(actor, episode_id)
    if on:
        follow(actor, "episode", episode.id, now=now)
    else:
        unfollow(actor, "episode", episode.id)


def _insert_ignoring_duplicates():
    """The dialect's INSERT with ON CONFLICT DO NOTHING (PostgreSQL and SQLite)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


#: Rows per INSERT of record_viewers (3 parameters each: far below SQLite's parameter limit).
VIEWER_CHUNK = 500


def record_viewers(episode_id: int, viewer_keys, now: datetime) -> int:
    """Count distinct viewers in one batch; returns how many were new (view_count rises by that).

    The live room calls this from its periodic flush, never from a join: the INSERTs touch only
    episode_viewers, and the one UPDATE of the episode row per batch runs in the same transaction,
    so view_count always equals the viewers recorded (plus what it held before any was recorded).
    """
    keys = sorted({str(key)[:80] for key in viewer_keys})
    insert = _insert_ignoring_duplicates()
    added = 0
    for start in range(0, len(keys), VIEWER_CHUNK):
        rows = [{"episode_id": episode_id, "viewer_key": key, "created_at": now}
                for key in keys[start:start + VIEWER_CHUNK]]
        added += len(db.session.execute(insert(EpisodeViewer).values(rows).on_conflict_do_nothing()
                                        .returning(EpisodeViewer.id)).all())
    if added:
        db.session.execute(update(Episode).where(Episode.id == episode_id)
                           .values(view_count=Episode.view_count + added).execution_options(synchronize_session=False))
    return added


def record_viewer(episode_id: int, viewer_key: str, now: datetime) -> bool:
    """Count a distinct viewer once; True (and view_count + 1) only the first time."""
    return record_viewers(episode_id, [viewer_key], now) == 1


def record_peak(episode_id: int, current: int) -> None:
    """Raise the episode's peak concurrent viewers to current if higher."""
    db.session.execute(update(Episode).where(Episode.id == episode_id, Episode.peak_viewers < current)
                       .values(peak_viewers=current).execution_options(synchronize_session=False))


__all__ = ["create_episode", "update_episode", "set_cover", "publish", "go_live", "end", "start_follow_up",
           "close", "transition", "remind_me", "record_viewer", "record_viewers", "record_peak", "may_run_live",
           "get_visible", "require_coordinator"]
