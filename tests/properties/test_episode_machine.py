"""The episode lifecycle as a state machine: every step by every kind of actor, at a moving clock."""
from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from app.core.auth import ANONYMOUS, actor_for
from app.core.db import unit_of_work
from app.episodes import services
from app.episodes.jobs import episode_reminders
from app.episodes.models import EPISODE_STATES, Episode
from app.episodes.services import TRANSITIONS
from app.extensions import db
from app.notifications.models import Notification
from tests import factories
from tests.properties.machinery import T0, act, empty_database, run_machine

START = T0 + timedelta(hours=6)
STAMPS = ("published_at", "live_at", "ended_at", "follow_up_at", "closed_at")
ACTORS = ("coordinator", "host", "lead_staff", "support_staff", "citizen", "anonymous")
STEPS = [timedelta(minutes=10), timedelta(hours=2), timedelta(hours=5)]


class EpisodeMachine(RuleBasedStateMachine):
    """One draft episode with a lead and a support agency, a host user, a citizen who asked for a reminder."""

    def __init__(self) -> None:
        super().__init__()
        empty_database()
        lead, support = factories.agency(), factories.agency()
        coordinator = factories.user("coordinator")
        host = factories.user("public")
        citizen = factories.user("public")
        self.actors = {"coordinator": actor_for(coordinator), "host": actor_for(host),
                       "lead_staff": actor_for(factories.user("agency_staff", agency_obj=lead)),
                       "support_staff": actor_for(factories.user("agency_staff", agency_obj=support)),
                       "citizen": actor_for(citizen), "anonymous": ANONYMOUS}
        db.session.commit()
        self.now = T0
        with unit_of_work():
            episode = services.create_episode(self.actors["coordinator"], title="第1期 后厨大检查",
                                              domain_id=lead.domains[0].id, agency_ids=[lead.id, support.id],
                                              scheduled_start=START, now=T0, host_user_id=host.id)
        self.episode_id = episode.id
        self.state = "draft"
        self.reminded = False
        self.follows = False

    def snapshot(self) -> tuple:
        episode = db.session.get(Episode, self.episode_id)
        return (episode.state, episode.title, *(getattr(episode, s) for s in STAMPS))

    def _sees(self, who: str) -> bool:
        return self.state != "draft" or who in ("coordinator", "lead_staff", "support_staff")

    @rule(step=st.sampled_from(STEPS))
    def time_passes(self, step) -> None:
        """The clock moves; the reminder sweep runs (twice: it must be idempotent)."""
        self.now += step
        for _ in range(2):
            with unit_of_work():
                episode_reminders(self.now)
        if self.state == "scheduled" and self.follows and self.now < START <= self.now + timedelta(minutes=30):
            self.reminded = True

    @rule(who=st.sampled_from(["coordinator"] * 3 + ["host", "lead_staff"] + list(ACTORS)),
          name=st.sampled_from(["next"] * 4 + [*TRANSITIONS, "teleport"]))
    def step(self, who, name) -> None:
        """Someone tries one lifecycle step (most often the next one)."""
        actor = self.actors[who]
        if name == "next":
            name = next((n for n, t in TRANSITIONS.items() if t[0] == self.state), "close")
        if name not in TRANSITIONS:
            expected = "episode_transition_unknown"
        elif who == "anonymous":
            expected = "login_required"
        elif not self._sees(who):
            expected = "episode_not_found"
        else:
            source, target, _stamp, others = TRANSITIONS[name]
            runs_live = who in ("coordinator", "host", "lead_staff")
            if not (who == "coordinator" or (others == "host" and runs_live)):
                expected = "episode_transition_forbidden"
            elif self.state != source:
                expected = "episode_state_invalid"
            elif name == "publish" and self.now >= START:
                expected = "episode_start_in_past"
            else:
                expected = None
        act(lambda: services.transition(actor, self.episode_id, name, now=self.now), expected, self.snapshot)
        if expected is None:
            self.state = TRANSITIONS[name][1]

    step_more = step  # lifecycle steps weigh more than the other rules

    @rule(who=st.sampled_from(ACTORS))
    def edit(self, who) -> None:
        """The coordinator renames the episode until it is closed; nobody else may."""
        actor = self.actors[who]
        expected = ("login_required" if who == "anonymous" else
                    "episode_coordinator_only" if who != "coordinator" else
                    "episode_closed" if self.state == "closed" else None)
        act(lambda: services.update_episode(actor, self.episode_id, now=self.now, title=f"改名 {self.now:%H%M}"),
            expected, self.snapshot)

    @rule()
    def citizen_follows(self) -> None:
        """The citizen asks for a reminder (only once the episode is public)."""
        expected = None if self._sees("citizen") else "episode_not_found"
        act(lambda: services.remind_me(self.actors["citizen"], self.episode_id, now=self.now), expected,
            self.snapshot)
        self.follows = self.follows or expected is None

    @invariant()
    def lifecycle_is_consistent(self) -> None:
        episode = db.session.get(Episode, self.episode_id)
        assert episode.state in EPISODE_STATES and episode.state == self.state
        reached = EPISODE_STATES.index(episode.state)
        stamps = [getattr(episode, s) for s in STAMPS]
        for i, stamp in enumerate(stamps, start=1):  # each transition's time is set iff it happened
            assert (stamp is not None) == (reached >= i), (episode.state, STAMPS[i - 1])
        present = [s for s in stamps if s is not None]
        assert present == sorted(present), "transition times go backwards"

    @invariant()
    def reminded_once_at_most(self) -> None:
        sent = db.session.query(Notification).filter_by(kind="episode_reminder").count()
        assert sent == (1 if self.reminded else 0)


def test_episode_state_machine(app) -> None:
    """No sequence of steps by any actor reaches an invalid state or skips a transition time."""
    outcomes = run_machine(EpisodeMachine)
    assert outcomes["done"] > 0 and sum(outcomes.values()) > outcomes["done"]  # both kinds were tried
