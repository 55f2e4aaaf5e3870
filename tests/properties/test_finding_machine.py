"""Findings and follow-up reports as a state machine: recording, reports, review, the publishing
sweep, corrections, public confirmations and the coordinator's decisions, by every kind of actor."""
from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

from app.core.auth import actor_for
from app.core.db import unit_of_work
from app.extensions import db
from app.findings import reports, services
from app.findings.jobs import finding_deadlines, publish_follow_ups
from app.findings.models import FINDING_STATES, FOLLOW_UP_STATES, Finding, FindingConfirmation, FollowUp
from app.findings.publishing import STATE_FOR_OUTCOME
from app.notifications.models import AuditLog
from app.notifications.services import follow
from tests import factories
from tests.properties.machinery import T0, act, empty_database, run_machine

PENDING = ("open", "partly_rectified", "reopened")
CITIZENS = 4
STEPS = [timedelta(minutes=30), timedelta(hours=2), timedelta(days=1)]


class FindingMachine(RuleBasedStateMachine):
    """A live episode of agencies A (lead) and B, their staff, the coordinator and four followers."""

    def __init__(self) -> None:
        super().__init__()
        empty_database()
        self.agencies = [factories.agency(), factories.agency()]
        self.episode = factories.episode("live", agencies=self.agencies, start=T0 - timedelta(hours=1)).id
        self.coordinator = actor_for(factories.user("coordinator"))
        self.staff = [actor_for(factories.user("agency_staff", agency_obj=a)) for a in self.agencies]
        self.citizens = [actor_for(factories.user("public")) for _ in range(CITIZENS)]
        db.session.commit()
        self.now = T0 + timedelta(minutes=5)
        # the model
        self.findings: dict[int, dict] = {}   # id → {agency, state, rectified_at_set}
        self.reports: dict[int, dict] = {}    # id → {agency, state, publish_at, outcomes, bodies, published_at}
        self.words: dict[tuple[int, int], str] = {}  # (finding, user) → verdict
        self.published: dict[int, list] = {}  # finding → [(published_at, outcome)]

    def snapshot(self) -> tuple:
        f = db.session.execute(select(Finding.id, Finding.state, Finding.rectified_at, Finding.closed_at)
                               .order_by(Finding.id)).all()
        r = db.session.execute(select(FollowUp.id, FollowUp.state, FollowUp.publish_at, FollowUp.published_at,
                                      FollowUp.review_reason).order_by(FollowUp.id)).all()
        bodies = [(x.id, [v.body_md for v in x.revisions]) for x in db.session.scalars(select(FollowUp))]
        words = db.session.execute(select(FindingConfirmation.finding_id, FindingConfirmation.user_id)).all()
        return tuple(f), tuple(r), sorted(bodies), sorted(words)

    # ------------------------------------------------------------------ findings

    @initialize(count=st.integers(1, 3), outcome=st.sampled_from(["rectified", "not_rectified", None]))
    def start(self, count, outcome) -> None:
        """The coordinator records a few findings on camera, alternating agencies; most runs then
        start with agency A's report on its findings published at once (so later steps can confirm,
        dispute, correct and decide)."""
        for i in range(count):
            self.record_finding("coordinator", i % 2)
        if outcome:
            self.create_report("owner", 0, {0, 1}, False, outcome, "now", True, True)

    @rule(by=st.sampled_from(["coordinator", "staff0", "staff1", "citizen"]), agency=st.integers(0, 1))
    def record_finding(self, by, agency) -> None:
        """A finding is recorded on camera for agency A or B; the followers follow it."""
        actor = {"coordinator": self.coordinator, "staff0": self.staff[0], "staff1": self.staff[1],
                 "citizen": self.citizens[0]}[by]
        expected = ("finding_not_allowed" if by == "citizen" else
                    "finding_other_agency" if by.startswith("staff") and by != f"staff{agency}" else None)
        target = self.agencies[agency]
        finding = act(lambda: services.record_finding(
            actor, self.episode, now=self.now, party_name="某餐馆", description="生熟未分区",
            domain_id=target.domains[0].id, agency_id=target.id, rectify_by=self.now + timedelta(days=2)),
            expected, self.snapshot)
        if expected is None:
            self.findings[finding.id] = {"agency": agency, "state": "open", "rectified_at": False}
            with unit_of_work():
                for citizen in self.citizens:
                    follow(citizen, "finding", finding.id, now=self.now)

    # ------------------------------------------------------------------ reports

    def _outcome_refusal(self, agency: int, outcomes: dict[int, str]) -> str | None:
        if not outcomes:
            return "outcomes_required"
        for fid in outcomes:
            if self.findings[fid]["agency"] != agency:
                return "follow_up_other_agency"
            if self.findings[fid]["state"] not in PENDING:
                return "finding_not_pending"
        return None

    def _inputs(self, outcomes: dict[int, str]) -> list:
        return [reports.OutcomeInput(fid, o, "" if o == "rectified" else "处罚决定书 2031-7")
                for fid, o in outcomes.items()]

    def _publish_at(self, mode: str):
        return {"now": None, "later": self.now + timedelta(hours=3), "past": self.now - timedelta(hours=1)}[mode]

    @rule(by=st.sampled_from(["owner"] * 4 + ["other", "coordinator"]), agency=st.integers(0, 1),
          picks=st.sets(st.integers(0, 7), min_size=1, max_size=3), stray=st.sampled_from([False] * 5 + [True]),
          outcome=st.sampled_from(["rectified", "rectified", "partly_rectified", "not_rectified"]),
          mode=st.sampled_from(["now", "later", "later", "past"]), submit=st.booleans(),
          then_approve=st.sampled_from([False, True, True]))
    def create_report(self, by, agency, picks, stray, outcome, mode, submit, then_approve) -> None:
        """Agency staff (or, refused, the coordinator) write a report on some of their findings
        (now and then with a stray finding of the other agency in it); often the coordinator
        approves it right away (the common path, so that publications happen in short runs)."""
        ids = sorted(f for f, m in self.findings.items() if (m["agency"] == agency) != stray)
        outcomes = {ids[p % len(ids)]: outcome for p in sorted(picks)} if ids else {}
        by = {"owner": agency, "other": 1 - agency, "coordinator": 2}[by]
        actor = self.coordinator if by == 2 else self.staff[by]
        expected = "follow_up_not_allowed" if by == 2 else self._outcome_refusal(by, outcomes)
        if expected is None and mode == "past":
            expected = "publish_at_in_past"
        report = act(lambda: reports.create_report(
            actor, now=self.now, reinspected_on=(self.now - timedelta(days=1)).date(), body="## 复查\n已整改。",
            outcomes=self._inputs(outcomes), publish_at=self._publish_at(mode), publish_now=mode == "now",
            submit=submit), expected, self.snapshot)
        if expected is None:
            self.reports[report.id] = {"agency": by, "state": "submitted" if submit else "draft",
                                       "publish_at": self._publish_at(mode), "outcomes": outcomes,
                                       "bodies": ["## 复查\n已整改。"], "published_at": None}
            if then_approve:
                self.review(sorted(self.reports).index(report.id), "approve", False)

    def _pick_report(self, pick: int) -> int | None:
        return sorted(self.reports)[pick % len(self.reports)] if self.reports else None

    @rule(pick=st.integers(0, 9), own=st.sampled_from([True, True, False]), submit=st.booleans())
    def edit_report(self, pick, own, submit) -> None:
        """The agency edits (and maybe resubmits) its draft or returned report."""
        rid = self._pick_report(pick)
        if rid is None:
            return
        model = self.reports[rid]
        by = model["agency"] if own else 1 - model["agency"]
        mine = model["agency"] == by
        expected = ("follow_up_not_found" if not mine and model["state"] != "published" else
                    "follow_up_not_allowed" if not mine else
                    "follow_up_published" if model["state"] == "published" else
                    "follow_up_not_editable" if model["state"] not in ("draft", "returned") else
                    self._outcome_refusal(by, model["outcomes"]))
        body = f"## 复查（改）{self.now:%d%H%M}"
        act(lambda: reports.update_report(
            self.staff[by], rid, now=self.now, reinspected_on=(self.now - timedelta(days=1)).date(), body=body,
            outcomes=self._inputs(model["outcomes"]), publish_at=self.now + timedelta(hours=1), submit=submit),
            expected, self.snapshot)
        if expected is None:
            model.update(bodies=[body], publish_at=self.now + timedelta(hours=1),
                         state="submitted" if submit else model["state"])

    def _apply_publication(self, rid: int) -> None:
        model = self.reports[rid]
        model["state"], model["published_at"] = "published", self.now
        for fid, outcome in model["outcomes"].items():
            self.published.setdefault(fid, []).append((self.now, outcome))
            finding = self.findings[fid]
            if finding["state"] == "closed":
                continue
            finding["state"], finding["rectified_at"] = STATE_FOR_OUTCOME[outcome], outcome == "rectified"

    @rule(pick=st.integers(0, 9), decision=st.sampled_from(["approve", "approve", "return", "maybe"]),
          as_staff=st.sampled_from([False, False, False, True]))
    def review(self, pick, decision, as_staff) -> None:
        """The coordinator approves (publishing at once when due) or returns a submitted report."""
        rid = self._pick_report(pick)
        if rid is None:
            return
        model = self.reports[rid]
        actor = self.staff[model["agency"]] if as_staff else self.coordinator
        expected = ("review_not_allowed" if as_staff else
                    "follow_up_not_submitted" if model["state"] != "submitted" else
                    "decision_invalid" if decision == "maybe" else None)
        act(lambda: reports.review(actor, rid, now=self.now, decision=decision, reason="照片不清楚"), expected,
            self.snapshot)
        if expected is None and decision == "return":
            model["state"] = "returned"
        elif expected is None:
            model["state"] = "approved"
            model["publish_at"] = model["publish_at"] or self.now
            if model["publish_at"] <= self.now:
                self._apply_publication(rid)

    @rule(step=st.sampled_from(STEPS))
    def time_passes(self, step) -> None:
        """The clock moves; the publishing and deadline sweeps run twice (idempotent)."""
        self.now += step
        for _ in range(2):
            with unit_of_work():
                publish_follow_ups(self.now)
                finding_deadlines(self.now)
        for rid in sorted(self.reports):
            model = self.reports[rid]
            if model["state"] == "approved" and model["publish_at"] <= self.now:
                self._apply_publication(rid)

    @rule(pick=st.integers(0, 9), by=st.sampled_from(["own", "own", "other", "coordinator", "citizen"]))
    def correct(self, pick, by) -> None:
        """A published report takes a correction with a reason; the history grows, nothing is lost."""
        rid = self._pick_report(pick)
        if rid is None:
            return
        model = self.reports[rid]
        actor = {"own": self.staff[model["agency"]], "other": self.staff[1 - model["agency"]],
                 "coordinator": self.coordinator, "citizen": self.citizens[0]}[by]
        published = model["state"] == "published"
        if not published and by in ("other", "citizen"):
            expected = "follow_up_not_found"
        elif by in ("other", "citizen"):
            expected = "correction_not_allowed"
        else:
            expected = None if published else "follow_up_not_published"
        body = f"更正 {len(model['bodies'])}"
        act(lambda: reports.correct(actor, rid, now=self.now, body=body, reason="日期写错"), expected, self.snapshot)
        if expected is None:
            model["bodies"].append(body)

    # ------------------------------------------------------------------ the public and the coordinator


    @rule(pick=st.integers(0, 9), who=st.integers(0, CITIZENS - 1), disputes=st.booleans(),
          aim=st.sampled_from([True, True, True, False]))
    def confirm(self, pick, who, disputes, aim) -> None:
        """A follower confirms or disputes a published rectification; three disputes reopen it.
        Mostly aimed at rectified findings (where confirmations open), sometimes at any."""
        ids = sorted(f for f, m in self.findings.items() if m["state"] in ("rectified", "closed") or not aim)
        if not ids:
            return
        fid = ids[pick % len(ids)]
        history = self.published.get(fid, [])
        if history and len({o for t, o in history if t == history[-1][0]}) > 1:
            return  # two reports published at the same instant disagree: "latest" is not defined
        finding = self.findings[fid]
        user = self.citizens[who].user_id
        expected = ("confirmation_not_open" if not history or history[-1][1] != "rectified"
                    or finding["state"] not in ("rectified", "closed") else
                    "confirmation_exists" if (fid, user) in self.words else None)
        verdict = "not_rectified" if disputes else "confirmed"
        act(lambda: services.confirm(self.citizens[who], fid, now=self.now, verdict=verdict, reason="还是脏"),
            expected, self.snapshot)
        if expected is None:
            self.words[(fid, user)] = verdict
            against = sum(1 for (f, _), v in self.words.items() if f == fid and v == "not_rectified")
            if against >= 3 and finding["state"] in ("rectified", "closed"):
                finding["state"] = "reopened"


    @rule(pick=st.integers(0, 9), decision=st.sampled_from(["uphold", "reopen", "close"]),
          as_staff=st.sampled_from([False, False, True]))
    def decide(self, pick, decision, as_staff) -> None:
        """The coordinator upholds, reopens or closes a finding when that applies."""
        if not self.findings:
            return
        fid = sorted(self.findings)[pick % len(self.findings)]
        finding = self.findings[fid]
        state, actor = finding["state"], self.staff[finding["agency"]] if as_staff else self.coordinator
        applies = ((decision in ("uphold", "reopen") and state == "reopened") or
                   (decision == "close" and state in ("rectified", "reopened") and finding["rectified_at"]))
        expected = "decision_not_allowed" if as_staff else (None if applies else "decision_not_applicable")
        act(lambda: services.decide(actor, fid, now=self.now, decision=decision, reason="复核"), expected,
            self.snapshot)
        if expected is None:
            finding["state"] = {"uphold": "rectified", "reopen": "open", "close": "closed"}[decision]
            if decision == "reopen":
                finding["rectified_at"] = False

    # ------------------------------------------------------------------ invariants

    @invariant()
    def findings_match_model(self) -> None:
        rows = db.session.execute(select(Finding.id, Finding.state, Finding.rectified_at, Finding.closed_at)).all()
        assert {r.id: r.state for r in rows} == {f: m["state"] for f, m in self.findings.items()}
        for r in rows:
            assert r.state in FINDING_STATES
            assert (r.rectified_at is not None) == self.findings[r.id]["rectified_at"]
            assert (r.closed_at is not None) == (r.state == "closed")

    @invariant()
    def reports_match_model(self) -> None:
        rows = list(db.session.scalars(select(FollowUp)))
        assert {r.id for r in rows} == set(self.reports), "a report was lost or appeared"
        for r in rows:
            model = self.reports[r.id]
            assert r.state in FOLLOW_UP_STATES and r.state == model["state"]
            assert [v.body_md for v in r.revisions] == model["bodies"], "a revision was lost or changed"
            assert [v.number for v in r.revisions] == list(range(1, len(model["bodies"]) + 1))
            assert {o.finding_id: o.outcome for o in r.outcomes} == model["outcomes"]
            if r.state in ("approved", "published"):
                assert r.publish_at is not None
            assert (r.published_at is not None) == (r.state == "published")
            assert r.published_at == model["published_at"], "published twice, or its time moved"
            assert (r.review_reason is not None) >= (r.state == "returned")

    @invariant()
    def published_exactly_once(self) -> None:
        logged = db.session.execute(select(AuditLog.target_id).where(AuditLog.action == "follow_up.publish")).all()
        ids = [row.target_id for row in logged]
        assert sorted(ids) == sorted(r for r, m in self.reports.items() if m["state"] == "published")

    @invariant()
    def no_word_lost(self) -> None:
        rows = db.session.execute(select(FindingConfirmation.finding_id, FindingConfirmation.user_id,
                                         FindingConfirmation.verdict)).all()
        assert {(r.finding_id, r.user_id): r.verdict for r in rows} == self.words


def test_finding_state_machine(app) -> None:
    """No sequence of actions loses a report, a revision or a confirmation, or publishes twice."""
    outcomes = run_machine(FindingMachine)
    assert outcomes["done"] > 0 and sum(outcomes.values()) > outcomes["done"]  # both kinds were tried
