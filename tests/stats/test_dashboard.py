"""The coordinator dashboard lists everything that needs an action now, and nothing else."""
from __future__ import annotations

import re
from datetime import date, timedelta

from app.core import clock
from app.extensions import db
from app.findings.models import FollowUp
from app.live.models import Comment
from app.observers.models import Invitation, Observer, ObserverNote
from app.polls.models import Poll, Topic
from tests import factories
from tests.stats.helpers import finding

DAY = timedelta(days=1)
COUNT_RE = re.compile(r'data-section="([\w-]+)">\s*<h2[^>]*>[^<]*<span class="dash-count" data-count="(\d+)"')


def counts(html: str) -> dict[str, int]:
    return {section: int(n) for section, n in COUNT_RE.findall(html)}


def test_dashboard_shows_each_kind_of_pending_work(app, users, login_as):
    now = clock.now()
    agency = factories.agency()
    held = factories.episode("follow_up", agencies=[agency], start=now - 10 * DAY)
    ready = factories.episode("scheduled", agencies=[agency], start=now + 3 * DAY, title="万事俱备",
                              stream_url="https://example.org/live.m3u8")
    bare = factories.episode("scheduled", agencies=[agency], start=now + 4 * DAY, title="缺流缺人")
    closed = Poll(title="待定夺", opens_at=now - 5 * DAY, closes_at=now - DAY, state="closed")
    open_poll = Poll(title="进行中", opens_at=now - DAY, closes_at=now + DAY, state="open")
    db.session.add_all([closed, open_poll])
    db.session.flush()
    db.session.add_all([Topic(poll_id=open_poll.id, title="群众提议", domain_id=agency.domains[0].id, state="pending"),
                        Topic(poll_id=open_poll.id, title="已通过", domain_id=agency.domains[0].id, state="approved")])
    db.session.add_all([Comment(episode_id=held.id, seq=1, user_id=users["public"].id, body="待审", state="held"),
                        Comment(episode_id=held.id, seq=2, user_id=users["public"].id, body="已发", state="published")])
    db.session.add_all([FollowUp(episode_id=held.id, agency_id=agency.id, reinspected_on=date(2026, 1, 1),
                                 state="submitted", submitted_at=now),
                        FollowUp(episode_id=held.id, agency_id=agency.id, reinspected_on=date(2026, 1, 1))])
    finding(held, agency, now, state="open", due_days=-1, party_name="逾期商户")
    finding(held, agency, now, state="rectified", due_days=-1, rectified_days=3)
    observer = Observer(name="李代表", kind="deputy")
    db.session.add(observer)
    db.session.flush()
    db.session.add(Invitation(episode_id=ready.id, observer_id=observer.id, token="tok-ready", state="accepted",
                              expires_at=now + DAY))
    db.session.add(ObserverNote(episode_id=held.id, observer_id=observer.id, agency_id=agency.id, aspect="procedure",
                                body="意见", answer_due=now - DAY))
    db.session.commit()

    html = login_as("coordinator").get("/dashboard").get_data(as_text=True)

    assert counts(html) == {"polls-to-decide": 1, "proposals": 1, "held-comments": 1, "follow-ups": 1,
                            "overdue-findings": 1, "overdue-notes": 1, "no-stream": 1, "no-observers": 1,
                            "repeated-inspections": 0, "party-statements": 0, "overdue-complaints": 0,
                            "complaints-to-decide": 0}
    assert "待定夺" in html and "群众提议" in html and "逾期商户" in html and "缺流缺人" in html
    assert "万事俱备" not in html


def test_an_empty_dashboard_says_so(app, login_as):
    html = login_as("coordinator").get("/dashboard").get_data(as_text=True)

    assert set(counts(html).values()) == {0}


def test_only_the_coordinator_sees_the_dashboard(app, login_as):
    assert login_as("agency_staff").get("/dashboard").status_code == 403
    assert login_as("public").get("/dashboard").status_code == 403
