"""Build the decided poll behind the upcoming episode and the open poll with votes."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from app.accounts.models import User
from app.demo.build_base import DemoContext
from app.demo.data import polls as data
from app.episodes.models import Episode
from app.extensions import db
from app.notifications.models import AuditLog
from app.polls.models import OfflineTally, Poll, Topic, Vote

#: Fixed seed: the demo looks the same on every load.
SEED = 2026


def _topics(poll: Poll, ctx: DemoContext, specs: tuple[data.Topic, ...]) -> list[Topic]:
    """The coordinator's approved candidate topics of a poll."""
    topics = [Topic(poll_id=poll.id, title=title, domain_id=ctx.domains[domain].id, description=text,
                    place_kind=place, state="approved", created_at=poll.created_at)
              for title, domain, place, text, _ in specs]
    db.session.add_all(topics)
    db.session.flush()
    return topics


def _votes(poll: Poll, topics: list[Topic], weights: list[int], voters: list[User], rng: random.Random,
           until: datetime) -> Counter:
    """Each voter casts 1..votes_per_person votes on distinct topics in slots 1..k, before until."""
    counts: Counter = Counter()
    rows = []
    span = (until - poll.opens_at).total_seconds()
    for i, voter in enumerate(voters):
        k = 1 + (i % poll.votes_per_person)
        pool = list(range(len(topics)))
        when = poll.opens_at + timedelta(seconds=span * rng.uniform(0.02, 0.95))
        for slot in range(1, k + 1):
            pick = rng.choices(pool, weights=[weights[j] for j in pool])[0]
            pool.remove(pick)
            counts[pick] += 1
            rows.append(Vote(poll_id=poll.id, topic_id=topics[pick].id, user_id=voter.id, slot=slot,
                             created_at=when + timedelta(seconds=slot * 20)))
    db.session.add_all(rows)
    return counts


def build_decided_poll(ctx: DemoContext, upcoming: Episode, rng: random.Random) -> Poll:
    """The closed, decided poll whose winning topic became the upcoming episode."""
    opens = ctx.ago(days=25)
    poll = Poll(title=data.DECIDED_TITLE, description=data.DECIDED_DESCRIPTION, opens_at=opens,
                closes_at=ctx.ago(days=11), votes_per_person=2, state="closed", opened_at=opens,
                closed_at=ctx.ago(days=11), created_by_id=ctx.coordinator.id, created_at=opens - timedelta(days=1))
    db.session.add(poll)
    db.session.flush()
    topics = _topics(poll, ctx, data.DECIDED_TOPICS)
    counts = _votes(poll, topics, [t[4] for t in data.DECIDED_TOPICS], ctx.citizens, rng, poll.closes_at)
    winner = topics[0]
    top = max(counts.values())
    poll.state = "decided"
    poll.decided_topic_id = winner.id
    poll.decided_at = ctx.ago(days=9)
    poll.decided_by_id = ctx.coordinator.id
    if counts[0] < top:
        poll.decision_reason = "结合近期电动自行车火灾警示和12345热线投诉量，确定本主题。"
    upcoming.topic_id = winner.id
    db.session.add(AuditLog(actor_id=ctx.coordinator.id, action="poll.decide", target_kind="poll",
                            target_id=poll.id, created_at=poll.decided_at, reason=poll.decision_reason,
                            data={"topic_id": winner.id, "votes": {topics[i].title: n for i, n in counts.items()},
                                  "episode": upcoming.number}))
    return poll


def build_open_poll(ctx: DemoContext, rng: random.Random) -> Poll:
    """The poll open now: approved topics with votes, pending and rejected proposals, offline tallies."""
    opens = ctx.ago(days=5)
    poll = Poll(title=data.OPEN_TITLE, description=data.OPEN_DESCRIPTION, opens_at=opens,
                closes_at=ctx.now + timedelta(days=9), votes_per_person=3, proposals_open=True,
                counts_visible=True, state="open", opened_at=opens, created_by_id=ctx.coordinator.id,
                created_at=opens - timedelta(days=1))
    db.session.add(poll)
    db.session.flush()
    topics = _topics(poll, ctx, data.OPEN_TOPICS)
    # citizen01 (the public demo login) has not voted yet, so the demo can show voting.
    _votes(poll, topics, [t[4] for t in data.OPEN_TOPICS], ctx.citizens[1:], rng, ctx.ago(hours=1))
    for title, domain, place, text, who in data.PENDING_PROPOSALS:
        db.session.add(Topic(poll_id=poll.id, title=title, domain_id=ctx.domains[domain].id, description=text,
                             place_kind=place, state="pending", proposed_by_id=ctx.citizens[who].id,
                             created_at=ctx.ago(days=2, hours=who)))
    title, domain, place, text, who, reason = data.REJECTED_PROPOSAL
    db.session.add(Topic(poll_id=poll.id, title=title, domain_id=ctx.domains[domain].id, description=text,
                         place_kind=place, state="rejected", proposed_by_id=ctx.citizens[who].id,
                         rejection_reason=reason, reviewed_at=ctx.ago(days=3), created_at=ctx.ago(days=4)))
    for index, source, count, days in data.OPEN_TALLIES:
        when = ctx.ago(days=days, hours=-2)
        tally = OfflineTally(topic_id=topics[index].id, source=source, count=count,
                             collected_on=ctx.ago(days=days).date(), entered_by_id=ctx.coordinator.id,
                             created_at=when)
        db.session.add(tally)
        db.session.flush()
        db.session.add(AuditLog(actor_id=ctx.coordinator.id, action="tally.create", target_kind="offline_tally",
                                target_id=tally.id, created_at=when,
                                data={"topic_id": topics[index].id, "source": source, "count": count}))
    db.session.flush()
    return poll
