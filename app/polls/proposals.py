"""Public proposals: propose, then the coordinator approves, rejects (with a reason) or merges."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.auth import Actor, require_login
from app.core.errors import Conflict, ValidationFailed
from app.extensions import db
from app.notifications.services import audit, notify
from app.polls.models import OfflineTally, Topic, Vote
from app.polls.services import clean_text, get_poll, get_topic, mark_results_changed, require_coordinator, \
    topic_fields


def propose(actor: Actor, poll_id: int, *, now: datetime, title: Any, domain_code: Any, why: Any,
            photo: bytes | None = None, place_kind: Any = "other") -> Topic:
    """A logged-in user proposes a topic; it stays pending (seen by them and the coordinator)."""
    require_login(actor)
    poll = get_poll(actor, poll_id)
    if poll.state != "open" or now >= poll.closes_at:
        raise Conflict(_l("Proposals are only accepted while the poll is open."), code="poll_not_open")
    if not poll.proposals_open:
        raise Conflict(_l("This poll does not take proposals."), code="proposals_closed")
    fields = topic_fields(title, domain_code, why, place_kind)
    if not fields["description"]:
        raise ValidationFailed(_l("Please say why this topic matters."), code="why_required")
    photo_path = None
    if photo:
        from app.polls.photos import store_photo

        photo_path = store_photo(photo)
    topic = Topic(poll_id=poll.id, state="pending", proposed_by_id=actor.user_id, photo_path=photo_path,
                  created_at=now, **fields)
    db.session.add(topic)
    db.session.flush()
    return topic


def _pending_or_approved(topic: Topic, *states: str) -> None:
    if topic.state not in states:
        raise Conflict(_l("This proposal has already been reviewed."), code="topic_already_reviewed")
    if topic.poll.state in ("closed", "decided"):
        raise Conflict(_l("The poll is closed; its topics can no longer change."), code="poll_closed")


def _tell_proposer(topic: Topic, kind: str, title: str, body: str, now: datetime) -> None:
    if topic.proposed_by_id:
        notify([topic.proposed_by_id], kind, title, body=body, now=now, link=f"/polls/{topic.poll_id}",
               dedupe_key=f"{kind}:{topic.id}")


def approve(actor: Actor, poll_id: int, topic_id: int, *, now: datetime) -> Topic:
    """Publish a pending proposal as a votable topic."""
    require_coordinator(actor)
    topic = get_topic(get_poll(actor, poll_id, lock=True), topic_id)
    _pending_or_approved(topic, "pending")
    topic.state, topic.reviewed_at = "approved", now
    audit(actor, "topic.approve", "topic", topic.id, now=now)
    _tell_proposer(topic, "topic.approved", str(_l("Your proposed topic was accepted")), topic.title, now)
    mark_results_changed(topic.poll_id)
    return topic


def reject(actor: Actor, poll_id: int, topic_id: int, *, reason: Any, now: datetime) -> Topic:
    """Reject a pending proposal with a reason the proposer sees."""
    require_coordinator(actor)
    topic = get_topic(get_poll(actor, poll_id, lock=True), topic_id)
    text = clean_text(reason, field="reason", max_len=500)
    _pending_or_approved(topic, "pending")
    topic.state, topic.rejection_reason, topic.reviewed_at = "rejected", text, now
    audit(actor, "topic.reject", "topic", topic.id, now=now, reason=text)
    _tell_proposer(topic, "topic.rejected", str(_l("Your proposed topic was not accepted")), text, now)
    return topic


def merge(actor: Actor, poll_id: int, topic_id: int, *, into_topic_id: Any, now: datetime) -> Topic:
    """Merge a proposal (or a duplicate topic) into an approved topic of the same poll.

    Its votes and offline tallies move to the target; a user who voted for both keeps one vote,
    so nobody ever holds two votes for one topic or more than the limit.
    """
    require_coordinator(actor)
    poll = get_poll(actor, poll_id, lock=True)
    topic = get_topic(poll, topic_id)
    target = get_topic(poll, into_topic_id)
    _pending_or_approved(topic, "pending", "approved")
    if target.id == topic.id or target.state != "approved":
        raise ValidationFailed(_l("Merge into another approved topic of this poll."), code="merge_target_invalid")
    both = select(Vote.user_id).where(Vote.topic_id == target.id)
    dropped = db.session.query(Vote).filter(Vote.topic_id == topic.id, Vote.user_id.in_(both)) \
        .delete(synchronize_session=False)
    moved = db.session.query(Vote).filter(Vote.topic_id == topic.id) \
        .update({Vote.topic_id: target.id}, synchronize_session=False)
    db.session.query(OfflineTally).filter(OfflineTally.topic_id == topic.id) \
        .update({OfflineTally.topic_id: target.id}, synchronize_session=False)
    topic.state, topic.merged_into_id, topic.reviewed_at = "merged", target.id, now
    db.session.flush()
    db.session.expire_all()
    audit(actor, "topic.merge", "topic", topic.id, now=now,
          data={"into": target.id, "votes_moved": moved, "duplicates_dropped": dropped})
    _tell_proposer(topic, "topic.merged", str(_l("Your proposed topic was merged into another")),
                   target.title, now)
    mark_results_changed(poll.id)
    return topic
