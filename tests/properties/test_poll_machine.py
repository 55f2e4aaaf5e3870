"""The topic poll as a state machine: lifecycle sweeps, votes, proposals, reviews, merges, the decision.

Citizens, the coordinator and anonymous callers act in random order at a moving clock; the test keeps
its own model of what must be true and compares the database with it after every step.
"""
from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

from app.core.auth import ANONYMOUS, actor_for
from app.core.db import unit_of_work
from app.extensions import db
from app.polls import decisions, proposals, services
from app.polls.jobs import open_and_close_polls
from app.polls.models import POLL_STATES, TOPIC_STATES, Poll, Topic, Vote
from tests import factories
from tests.properties.machinery import T0, act, empty_database, run_machine

LIMIT = 2
CITIZENS = 3
OPENS, CLOSES = T0 + timedelta(minutes=30), T0 + timedelta(days=2)
STEPS = [timedelta(minutes=20), timedelta(hours=3), timedelta(hours=3), timedelta(hours=14), timedelta(days=1)]


class PollMachine(RuleBasedStateMachine):
    """One poll with votes_per_person=2, three citizens, the coordinator and an anonymous caller."""

    def __init__(self) -> None:
        super().__init__()
        empty_database()
        factories.domain("food")
        self.coordinator = actor_for(factories.user("coordinator"))
        self.citizens = [actor_for(factories.user("public")) for _ in range(CITIZENS)]
        self.staff = actor_for(factories.user("agency_staff"))
        db.session.commit()
        self.now = T0
        with unit_of_work():
            poll = services.create_poll(self.coordinator, now=T0, title="下一期查什么？", opens_at=OPENS,
                                        closes_at=CLOSES, votes_per_person=LIMIT)
        self.poll_id = poll.id
        #: the model: poll state, topic id → state, merged topic → target, votes as (user, topic)
        self.state = "draft"
        self.topics: dict[int, str] = {}
        self.merged: dict[int, int] = {}
        self.votes: set[tuple[int, int]] = set()

    @initialize(topics=st.integers(1, 3), opened=st.booleans())
    def start(self, topics, opened) -> None:
        """The coordinator adds candidates; most runs start with the poll just opened by the sweep."""
        for i in range(topics):
            self._add_topic(f"候选{i + 1}")
        if opened:
            self.time_passes(OPENS - self.now, False)

    # ------------------------------------------------------------------ helpers

    def snapshot(self) -> tuple:
        """Everything a refused action must leave unchanged."""
        poll = db.session.get(Poll, self.poll_id)
        topics = db.session.execute(select(Topic.id, Topic.state, Topic.merged_into_id, Topic.rejection_reason)
                                    .where(Topic.poll_id == self.poll_id).order_by(Topic.id)).all()
        votes = db.session.execute(select(Vote.user_id, Vote.topic_id, Vote.slot).order_by(Vote.id)).all()
        return (poll.state, poll.opened_at, poll.closed_at, poll.decided_topic_id, tuple(topics), tuple(votes))

    def _add_topic(self, title: str) -> None:
        topic = act(lambda: services.add_topic(self.coordinator, self.poll_id, now=self.now, title=title,
                                               domain_code="food"), None, self.snapshot)
        self.topics[topic.id] = "approved"

    def _voting_refusal(self, actor) -> str | None:
        """Why the poll refuses a vote or withdrawal right now (None: the window is open)."""
        if actor.user_id is None:
            return "login_required"
        if self.state == "draft":
            return "poll_not_found"
        if self.state in ("closed", "decided") or self.now >= CLOSES:
            return "poll_closed"
        return None

    def _counts(self) -> dict[int, int]:
        return {t: sum(1 for _, v in self.votes if v == t) for t, s in self.topics.items() if s == "approved"}

    def _coordinator_refusal(self, actor) -> str | None:
        if actor.user_id is None:
            return "login_required"
        return None if actor.is_coordinator else "coordinator_only"

    # ------------------------------------------------------------------ time and the sweep

    @rule(step=st.sampled_from(STEPS), twice=st.booleans())
    def time_passes(self, step, twice) -> None:
        """The clock moves; the open/close sweep runs (sometimes twice: it must be idempotent)."""
        self.now += step
        for _ in range(2 if twice else 1):
            with unit_of_work():
                open_and_close_polls(self.now)
        approved = sum(1 for s in self.topics.values() if s == "approved")
        if self.state == "draft" and OPENS <= self.now < CLOSES and approved >= 2:
            self.state = "open"
        if self.state == "open" and self.now >= CLOSES:
            self.state = "closed"

    # ------------------------------------------------------------------ citizens

    def _actor(self, who: int):
        return ANONYMOUS if who == CITIZENS else self.citizens[who]

    @rule(who=st.sampled_from([0, 0, 1, 1, 2, 2, CITIZENS]), pick=st.integers(0, 20))
    def vote(self, who, pick) -> None:
        """A citizen (or an anonymous caller) votes for some topic."""
        if not self.topics:
            return
        actor = self._actor(who)
        topic = sorted(self.topics)[pick % len(self.topics)]
        expected = self._voting_refusal(actor)
        if expected is None:
            mine = {t for u, t in self.votes if u == actor.user_id}
            if self.topics[topic] == "merged":
                expected = "topic_merged"
            elif self.topics[topic] != "approved":
                expected = "topic_not_votable"
            elif topic in mine:
                expected = "already_voted"
            elif len(mine) >= LIMIT:
                expected = "vote_limit_reached"
        act(lambda: services.vote(actor, self.poll_id, topic, now=self.now), expected, self.snapshot)
        if expected is None:
            self.votes.add((actor.user_id, topic))

    #: Voting is what most people do: give it more weight among the rules.
    vote_more = vote
    vote_even_more = vote

    @rule(who=st.integers(0, CITIZENS), pick=st.integers(0, 20))
    def withdraw(self, who, pick) -> None:
        """A citizen takes a vote back (or one they never cast)."""
        if not self.topics:
            return
        actor = self._actor(who)
        topic = sorted(self.topics)[pick % len(self.topics)]
        expected = self._voting_refusal(actor)
        if expected is None and (actor.user_id, topic) not in self.votes:
            expected = "vote_not_found"
        act(lambda: services.withdraw(actor, self.poll_id, topic, now=self.now), expected, self.snapshot)
        if expected is None:
            self.votes.discard((actor.user_id, topic))

    @rule(who=st.integers(0, CITIZENS))
    def propose(self, who) -> None:
        """A citizen proposes a topic; it waits for review."""
        actor = self._actor(who)
        expected = "login_required" if actor.user_id is None else (
            "poll_not_found" if self.state == "draft" else
            "poll_not_open" if self.state != "open" or self.now >= CLOSES else None)
        topic = act(lambda: proposals.propose(actor, self.poll_id, now=self.now, title="菜市场冷链",
                                              domain_code="food", why="冷柜温度不够"), expected, self.snapshot)
        if expected is None:
            self.topics[topic.id] = "pending"

    # ------------------------------------------------------------------ the coordinator (and pretenders)

    def _review_refusal(self, actor, topic: int, *states: str) -> str | None:
        refusal = self._coordinator_refusal(actor)
        if refusal:
            return refusal
        if self.topics[topic] not in states:
            return "topic_already_reviewed"
        return "poll_closed" if self.state in ("closed", "decided") else None

    @rule(pick=st.integers(0, 20), by=st.sampled_from(["coordinator"] * 4 + ["citizen", "staff"]),
          verdict=st.sampled_from(["approve", "reject"]))
    def review(self, pick, by, verdict) -> None:
        """The coordinator approves or rejects a proposal; anyone else is refused."""
        if not self.topics:
            return
        actor = {"coordinator": self.coordinator, "citizen": self.citizens[0], "staff": self.staff}[by]
        topic = sorted(self.topics)[pick % len(self.topics)]
        expected = self._review_refusal(actor, topic, "pending")
        if verdict == "approve":
            act(lambda: proposals.approve(actor, self.poll_id, topic, now=self.now), expected, self.snapshot)
        else:
            act(lambda: proposals.reject(actor, self.poll_id, topic, reason="重复", now=self.now), expected,
                self.snapshot)
        if expected is None:
            self.topics[topic] = "approved" if verdict == "approve" else "rejected"

    @rule(pick=st.integers(0, 20), into=st.integers(0, 20))
    def merge(self, pick, into) -> None:
        """The coordinator merges a topic into another: votes move, a voter of both keeps one."""
        ids = sorted(self.topics)
        topic, target = ids[pick % len(ids)], ids[into % len(ids)]
        expected = self._review_refusal(self.coordinator, topic, "pending", "approved")
        if expected is None and (target == topic or self.topics[target] != "approved"):
            expected = "merge_target_invalid"
        act(lambda: proposals.merge(self.coordinator, self.poll_id, topic, into_topic_id=target, now=self.now),
            expected, self.snapshot)
        if expected is None:
            self.topics[topic], self.merged[topic] = "merged", target
            moved = {(u, target) for u, t in self.votes if t == topic}
            self.votes = {(u, t) for u, t in self.votes if t != topic} | moved

    @rule()
    def add_topic(self) -> None:
        """The coordinator adds a candidate while the poll is draft or open."""
        if self.state in ("draft", "open"):
            self._add_topic("工地扬尘")
        else:
            act(lambda: services.add_topic(self.coordinator, self.poll_id, now=self.now, title="晚了",
                                           domain_code="food"), "poll_closed", self.snapshot)

    @rule(pick=st.integers(0, 20), reason=st.sampled_from(["", "线下征集更多"]), as_citizen=st.sampled_from([False, False, False, True]))
    def decide(self, pick, reason, as_citizen) -> None:
        """The coordinator decides the topic (a reason is needed unless it led)."""
        actor = self.citizens[1] if as_citizen else self.coordinator
        topic = sorted(self.topics)[pick % len(self.topics)]
        counts = self._counts()
        best = max(counts.values(), default=0)
        leaders = {t for t, n in counts.items() if n == best and best > 0}
        expected = self._coordinator_refusal(actor) or (
            "poll_decided" if self.state == "decided" else
            "poll_not_open" if self.state == "draft" else
            "topic_not_votable" if self.topics[topic] != "approved" else
            "decision_reason_required" if topic not in leaders and best > 0 and not reason else None)
        act(lambda: decisions.decide(actor, self.poll_id, topic_id=topic, reason=reason, now=self.now),
            expected, self.snapshot)
        if expected is None:
            self.state = "decided"

    # ------------------------------------------------------------------ invariants

    @invariant()
    def poll_matches_model(self) -> None:
        poll = db.session.get(Poll, self.poll_id)
        assert poll.state in POLL_STATES and poll.state == self.state
        assert (poll.opened_at is not None) == (poll.state != "draft")  # only the sweep opens, once
        if poll.state == "open":
            assert poll.opened_at is not None and poll.opened_at >= poll.opens_at and poll.closed_at is None
        if poll.state == "closed":
            assert poll.closed_at is not None and poll.closed_at >= poll.closes_at
        if poll.state == "decided":
            assert poll.decided_topic_id in self.topics and poll.decided_at is not None
            assert poll.closed_at is not None and poll.closed_at <= poll.decided_at
        if poll.opened_at and poll.closed_at:
            assert poll.opened_at <= poll.closed_at

    @invariant()
    def topics_match_model(self) -> None:
        rows = db.session.execute(select(Topic.id, Topic.state, Topic.merged_into_id, Topic.rejection_reason)
                                  .where(Topic.poll_id == self.poll_id)).all()
        assert {r.id: r.state for r in rows} == self.topics
        for r in rows:
            assert r.state in TOPIC_STATES
            assert (r.merged_into_id is not None) == (r.state == "merged")
            if r.state == "merged":
                assert r.merged_into_id == self.merged[r.id]
            assert (r.rejection_reason is not None) == (r.state == "rejected")

    @invariant()
    def no_vote_lost_or_doubled(self) -> None:
        rows = db.session.execute(select(Vote.user_id, Vote.topic_id, Vote.slot, Vote.poll_id)).all()
        assert len(rows) == len({(r.user_id, r.topic_id) for r in rows}), "a vote was doubled"
        assert {(r.user_id, r.topic_id) for r in rows} == self.votes
        for user in {r.user_id for r in rows}:
            slots = [r.slot for r in rows if r.user_id == user]
            assert len(slots) <= LIMIT and len(set(slots)) == len(slots) and all(1 <= s <= LIMIT for s in slots)
        assert all(self.topics[r.topic_id] == "approved" and r.poll_id == self.poll_id for r in rows)


def test_poll_state_machine(app) -> None:
    """No sequence of allowed and refused actions breaks the poll or loses a vote."""
    outcomes = run_machine(PollMachine)
    assert outcomes["done"] > 0 and sum(outcomes.values()) > outcomes["done"]  # both kinds were tried
