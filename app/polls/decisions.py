"""The decision: the coordinator picks the topic (the episode is then created from it in episodes/services.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.auth import Actor
from app.core.errors import Conflict, ValidationFailed
from app.core.realtime import emit
from app.extensions import db
from app.notifications.services import audit, notify
from app.polls.live import NAMESPACE, poll_room
from app.polls.models import Poll, Vote
from app.polls.queries import results
from app.polls.services import clean_text, get_poll, get_topic, require_coordinator


def decide(actor: Actor, poll_id: int, *, topic_id: Any, reason: Any = "", now: datetime) -> Poll:
    """Choose the topic (closing the poll if still open); a public reason is needed unless it led.

    "Led" means the highest total of online and offline votes (ties all count as leading).
    The proposer of the chosen topic and every voter are notified once.
    """
    require_coordinator(actor)
    poll = get_poll(actor, poll_id, lock=True)
    if poll.state == "decided":
        raise Conflict(_l("The topic of this poll has already been decided."), code="poll_decided")
    if poll.state == "draft":
        raise Conflict(_l("A poll that never opened cannot be decided."), code="poll_not_open")
    if poll.state == "open" and not poll.counts_visible:
        raise Conflict(_l("The counts of this poll are sealed until it closes; decide after the close."),
                       code="poll_counts_sealed")
    topic = get_topic(poll, topic_id)
    if topic.state != "approved":
        raise ValidationFailed(_l("Choose one of the approved topics."), code="topic_not_votable")
    text = clean_text(reason, field="reason", max_len=1000, required=False)
    counted = results(poll, force=True)
    if topic.id not in counted.leaders and counted.total > 0 and not text:
        raise ValidationFailed(_l("This topic was not the most voted: please give a public reason for "
                                  "choosing it."), code="decision_reason_required")
    if poll.state == "open":
        poll.closed_at = now
    poll.state, poll.decided_topic_id, poll.decided_at, poll.decided_by_id = "decided", topic.id, now, actor.user_id
    poll.decision_reason = text or None
    db.session.flush()
    audit(actor, "poll.decide", "poll", poll.id, now=now, reason=text or None,
          data={"topic_id": topic.id, "totals": {str(t.topic_id): t.total for t in counted.topics}})
    voters = set(db.session.scalars(select(Vote.user_id).where(Vote.poll_id == poll.id)))
    if topic.proposed_by_id:
        voters.add(topic.proposed_by_id)
    notify(voters, "poll.decided", str(_l("The topic has been decided: %(title)s", title=topic.title)),
           body=poll.title, link=f"/polls/{poll.id}", dedupe_key=f"poll.decided:{poll.id}", now=now)
    emit("decided", {"poll_id": poll.id, "topic_id": topic.id}, room=poll_room(poll.id), namespace=NAMESPACE)
    return poll
