"""Offline tallies (线下征集): counts gathered offline, each with its source and date, audit-logged."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.auth import Actor
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.notifications.services import audit
from app.polls.models import OfflineTally, Poll
from app.polls.services import clean_text, get_poll, get_topic, mark_results_changed, require_coordinator

MAX_COUNT = 10_000_000


def _check(count: Any, collected_on: Any, poll: Poll, now: datetime) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
        raise ValidationFailed(_l("The count must be a whole number from 0 to %(n)s.", n=MAX_COUNT),
                               code="count_invalid")
    if not isinstance(collected_on, date) or isinstance(collected_on, datetime):
        raise ValidationFailed(_l("Please give the date the votes were collected."), code="collected_on_required")
    if collected_on > now.date():
        raise ValidationFailed(_l("The collection date cannot be in the future."), code="collected_on_future")
    if poll.state == "decided":
        raise Conflict(_l("The topic has been decided; the counts are final."), code="poll_decided")


def add_tally(actor: Actor, poll_id: int, *, topic_id: Any, source: Any, collected_on: Any, count: Any,
              now: datetime) -> OfflineTally:
    """Enter an offline count for an approved topic (coordinator)."""
    require_coordinator(actor)
    poll = get_poll(actor, poll_id, lock=True)
    topic = get_topic(poll, topic_id)
    if topic.state != "approved":
        raise Conflict(_l("Offline counts go to approved topics only."), code="topic_not_votable")
    source = clean_text(source, field="source", max_len=120)
    _check(count, collected_on, poll, now)
    tally = OfflineTally(topic_id=topic.id, source=source, collected_on=collected_on, count=count,
                         entered_by_id=actor.user_id, created_at=now)
    db.session.add(tally)
    db.session.flush()
    audit(actor, "tally.add", "offline_tally", tally.id, now=now,
          data={"poll_id": poll.id, "topic_id": topic.id, "source": source,
                "collected_on": collected_on.isoformat(), "count": count})
    mark_results_changed(poll.id)
    return tally


def get_tally(actor: Actor, poll_id: int, tally_id: int) -> OfflineTally:
    """A tally of this poll, else tally_not_found."""
    require_coordinator(actor)
    poll = get_poll(actor, poll_id)
    tally = db.session.get(OfflineTally, tally_id)
    if tally is None or tally.topic.poll_id != poll.id:
        raise NotFound(_l("No such offline count."), code="tally_not_found")
    return tally


def edit_tally(actor: Actor, poll_id: int, tally_id: int, *, reason: Any, now: datetime,
               source: Any = None, collected_on: Any = None, count: Any = None) -> OfflineTally:
    """Correct a tally; a reason is required and the old and new values are audit-logged."""
    tally = get_tally(actor, poll_id, tally_id)
    reason = clean_text(reason, field="reason", max_len=300)
    new_source = clean_text(source, field="source", max_len=120) if source is not None else tally.source
    new_date = collected_on if collected_on is not None else tally.collected_on
    new_count = count if count is not None else tally.count
    _check(new_count, new_date, tally.topic.poll, now)
    before = {"source": tally.source, "collected_on": tally.collected_on.isoformat(), "count": tally.count}
    tally.source, tally.collected_on, tally.count = new_source, new_date, new_count
    tally.edit_reason, tally.updated_at = reason, now
    db.session.flush()
    audit(actor, "tally.edit", "offline_tally", tally.id, now=now, reason=reason,
          data={"before": before, "after": {"source": new_source, "collected_on": new_date.isoformat(),
                                            "count": new_count}})
    mark_results_changed(poll_id)
    return tally
