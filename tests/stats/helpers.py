"""A small program for the statistics tests: held episodes, findings, observers, reports, polls."""
from __future__ import annotations

from datetime import date, timedelta

from app.core import clock
from app.extensions import db
from app.findings.models import Finding, FollowUp, FollowUpOutcome, FollowUpRevision
from app.observers.models import Invitation, Observer
from app.polls.models import Poll, Topic, Vote
from tests import factories

DAY = timedelta(days=1)


def finding(episode, agency, now, *, state="open", found_days=20, due_days=-5, rectified_days=None, **extra):
    """A finding found `found_days` ago, due in `due_days` days (negative: past)."""
    f = Finding(episode_id=episode.id, party_name=extra.pop("party_name", "某餐饮店"),
                party_address="某路 1 号", description="问题", domain_id=agency.domains[0].id,
                agency_id=agency.id, rectify_by=now + due_days * DAY, state=state,
                rectified_at=now - rectified_days * DAY if rectified_days is not None else None, **extra)
    f.created_at = now - found_days * DAY
    db.session.add(f)
    db.session.flush()
    return f


def program(users) -> dict:
    """Two agencies, three held episodes, one scheduled, a draft; findings in every state; polls."""
    now = clock.now()
    a, b = factories.agency("market"), factories.agency("health")
    e1 = factories.episode("closed", agencies=[a], start=now - 90 * DAY, view_count=1000, peak_viewers=70)
    e2 = factories.episode("follow_up", agencies=[b, a], start=now - 40 * DAY, view_count=501, peak_viewers=90)
    e3 = factories.episode("ended", agencies=[b], start=now - 3 * DAY, view_count=250, peak_viewers=20)
    factories.episode("scheduled", agencies=[a], start=now + 5 * DAY, view_count=0)
    draft = factories.episode("draft", agencies=[b], start=now + 9 * DAY, view_count=999, peak_viewers=999)
    finding(e1, a, now, state="rectified", found_days=80, due_days=-60, rectified_days=65)    # on time
    finding(e1, a, now, state="closed", found_days=80, due_days=-60, rectified_days=50,
            closed_at=now - 40 * DAY)                                                          # late
    finding(e2, b, now, state="open", found_days=30, due_days=-2)                             # overdue
    finding(e2, a, now, state="partly_rectified", found_days=30, due_days=10)                 # not due
    finding(e3, b, now, state="rectified", found_days=2, due_days=20, rectified_days=1)       # not due, done
    finding(draft, b, now, state="open", found_days=1, due_days=-1)                           # not public
    observers = [Observer(name=f"观察员{i}", kind="deputy", contact=f"1380000000{i}") for i in range(3)]
    db.session.add_all(observers)
    db.session.flush()
    for episode, observer, state in ((e1, observers[0], "accepted"), (e2, observers[0], "accepted"),
                                     (e2, observers[1], "accepted"), (e3, observers[2], "declined")):
        db.session.add(Invitation(episode_id=episode.id, observer_id=observer.id, token=f"t{episode.id}{observer.id}",
                                  state=state, expires_at=now + DAY))
    report = FollowUp(episode_id=e1.id, agency_id=a.id, reinspected_on=date(2026, 1, 5), state="published",
                      publish_at=now - 50 * DAY, published_at=now - 50 * DAY)
    db.session.add(report)
    db.session.flush()
    db.session.add(FollowUpRevision(follow_up_id=report.id, number=1, body_md="已整改"))
    db.session.add(FollowUpOutcome(follow_up_id=report.id, finding_id=_first_finding_id(e1),
                                   outcome="rectified"))
    hidden = Poll(title="隐藏计票", opens_at=now - DAY, closes_at=now + DAY, state="open", counts_visible=False)
    shown = Poll(title="已结束", opens_at=now - 9 * DAY, closes_at=now - DAY, state="closed", counts_visible=False)
    db.session.add_all([hidden, shown])
    db.session.flush()
    for poll in (hidden, shown):
        topic = Topic(poll_id=poll.id, title=f"{poll.title}选题", domain_id=a.domains[0].id, state="approved")
        db.session.add(topic)
        db.session.flush()
        db.session.add(Vote(poll_id=poll.id, topic_id=topic.id, user_id=users["public"].id, slot=1))
    db.session.commit()
    return {"now": now, "agencies": (a, b), "episodes": (e1, e2, e3)}


def _first_finding_id(episode) -> int:
    from sqlalchemy import select

    return db.session.scalar(select(Finding.id).where(Finding.episode_id == episode.id).order_by(Finding.id))
