"""Read side of polls: who sees which poll and topic, and the results (hidden counts stay hidden)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from app.core.auth import Actor
from app.extensions import db
from app.polls.models import OfflineTally, Poll, Topic, Vote


def visible_polls(actor: Actor) -> Select:
    """Polls the actor may see: drafts only for the coordinator; newest first."""
    query = select(Poll).options(selectinload(Poll.decided_topic)).order_by(Poll.opens_at.desc(), Poll.id.desc())
    if not actor.is_coordinator:
        query = query.where(Poll.state != "draft")
    return query


def visible_topics(actor: Actor, poll: Poll) -> list[Topic]:
    """Topics the actor may see: approved ones; plus own proposals; the coordinator sees all."""
    query = select(Topic).where(Topic.poll_id == poll.id).options(selectinload(Topic.domain)).order_by(Topic.id)
    if not actor.is_coordinator:
        mine = Topic.proposed_by_id == actor.user_id if actor.user_id else False
        query = query.where(or_(Topic.state == "approved", mine))
    return list(db.session.scalars(query))


def may_see_topic(actor: Actor, topic: Topic) -> bool:
    """Approved topics are public; others only for their proposer and the coordinator."""
    if topic.poll.state == "draft" and not actor.is_coordinator:
        return False
    return (topic.state == "approved" or actor.is_coordinator
            or (actor.user_id is not None and topic.proposed_by_id == actor.user_id))


def counts_shown(poll: Poll) -> bool:
    """Counts are shown when the poll shows them during voting, or once voting is over.

    Hidden counts are hidden from everyone, the coordinator included, until the poll closes:
    a sealed ballot box leaks through nobody.
    """
    return poll.counts_visible or poll.state in ("closed", "decided")


@dataclass
class TopicResult:
    """One approved topic's counts."""

    topic_id: int
    title: str
    online: int
    offline: int

    @property
    def total(self) -> int:
        """Online plus offline."""
        return self.online + self.offline


@dataclass
class Results:
    """A poll's counts; `visible` False means the numbers must not be shown (they are zeroed)."""

    poll_id: int
    state: str
    visible: bool
    topics: list[TopicResult] = field(default_factory=list)
    voters: int = 0

    @property
    def online(self) -> int:
        """All online votes."""
        return sum(t.online for t in self.topics)

    @property
    def offline(self) -> int:
        """All offline votes."""
        return sum(t.offline for t in self.topics)

    @property
    def total(self) -> int:
        """Everything counted."""
        return self.online + self.offline

    @property
    def leaders(self) -> set[int]:
        """Topic ids with the highest total (empty when nothing was counted)."""
        best = max((t.total for t in self.topics), default=0)
        return {t.topic_id for t in self.topics if t.total == best and best > 0}

    def as_dict(self) -> dict:
        """The JSON form (API and socket); without numbers when they are hidden."""
        body: dict = {"poll_id": self.poll_id, "state": self.state, "counts_visible": self.visible}
        if self.visible:
            body.update(online=self.online, offline=self.offline, total=self.total, voters=self.voters,
                        topics=[{"topic_id": t.topic_id, "title": t.title, "online": t.online,
                                 "offline": t.offline, "total": t.total} for t in self.topics])
        return body


def true_counts(poll_id: int) -> dict[int, tuple[int, int]]:
    """{topic_id: (online, offline)} for the poll's approved topics, whatever the visibility."""
    topics = db.session.execute(select(Topic.id).where(Topic.poll_id == poll_id, Topic.state == "approved")
                                .order_by(Topic.id)).scalars().all()
    online = dict(db.session.execute(select(Vote.topic_id, func.count(Vote.id)).where(Vote.poll_id == poll_id)
                                      .group_by(Vote.topic_id)).all())
    offline = dict(db.session.execute(select(OfflineTally.topic_id, func.coalesce(func.sum(OfflineTally.count), 0))
                                      .join(Topic).where(Topic.poll_id == poll_id)
                                      .group_by(OfflineTally.topic_id)).all())
    return {tid: (int(online.get(tid, 0)), int(offline.get(tid, 0))) for tid in topics}


def results(poll: Poll, *, force: bool = False) -> Results:
    """The poll's results; numbers only when counts_shown(poll) (or force, for the decision rule)."""
    visible = force or counts_shown(poll)
    out = Results(poll.id, poll.state, visible)
    if not visible:
        return out
    titles = dict(db.session.execute(select(Topic.id, Topic.title).where(Topic.poll_id == poll.id)).all())
    for tid, (online, offline) in true_counts(poll.id).items():
        out.topics.append(TopicResult(tid, titles[tid], online, offline))
    out.voters = db.session.scalar(select(func.count(func.distinct(Vote.user_id)))
                                   .where(Vote.poll_id == poll.id)) or 0
    return out


def pending_proposals(poll: Poll) -> list[Topic]:
    """Proposals awaiting review, oldest first."""
    return list(db.session.scalars(select(Topic).where(Topic.poll_id == poll.id, Topic.state == "pending")
                                   .options(selectinload(Topic.proposed_by), selectinload(Topic.domain))
                                   .order_by(Topic.id)))
