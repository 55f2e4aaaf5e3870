"""Conduct complaints: pinned to the stream, a deadline for the agency, overdue by the clock, published on decision."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.core import clock
from app.core.auth import actor_for
from app.core.errors import Conflict, NotAllowed, ValidationFailed
from app.extensions import db
from app.notifications.models import Notification
from app.parties import complaints, jobs
from app.parties.models import ConductComplaint
from tests import factories
from tests.conftest import csrf_token

#: "Now" in the service tests: 20 minutes into the live.
NOW = clock.now().replace(microsecond=0)


@pytest.fixture
def live(app, users):
    agency = users["agency_staff"].agency
    episode = factories.episode("live", agencies=[agency], start=NOW - timedelta(minutes=30),
                                live_at=NOW - timedelta(minutes=20))
    db.session.commit()
    return episode


def test_a_live_complaint_is_pinned_to_now_in_the_stream_and_notifies_coordinator_and_agency(app, users, live):
    c = complaints.submit(actor_for(users["public"]), live.id, now=NOW, agency_id=None, body="执法人员态度粗暴")
    db.session.commit()
    assert (c.offset_seconds, c.agency_id, c.state) == (20 * 60, users["agency_staff"].agency_id, "submitted")
    assert c.answer_due == NOW + timedelta(days=app.config["COMPLAINT_ANSWER_DAYS"])
    told = {n.user_id for n in db.session.query(Notification).filter_by(kind="conduct_complaint")}
    assert told == {users["coordinator"].id, users["agency_staff"].id}


def test_bad_complaints_are_refused_with_their_codes(app, users, live):
    viewer = actor_for(users["public"])
    other = factories.agency()
    db.session.commit()
    for kwargs, code in (({"agency_id": other.id, "body": "x"}, "complaint_agency_invalid"),
                         ({"agency_id": None, "body": "  "}, "complaint_body_invalid"),
                         ({"agency_id": None, "body": "x", "offset_seconds": 3600}, "complaint_offset_invalid")):
        with pytest.raises(ValidationFailed) as caught:
            complaints.submit(viewer, live.id, now=NOW, **kwargs)
        assert caught.value.code == code
    scheduled = factories.episode("scheduled", agencies=[users["agency_staff"].agency])
    db.session.commit()
    with pytest.raises(Conflict):
        complaints.submit(viewer, scheduled.id, now=NOW, agency_id=None, body="x", offset_seconds=0)


def test_overdue_by_the_clock_the_sweep_tells_once_and_publication_needs_an_answer(app, users, live):
    c = complaints.submit(actor_for(users["public"]), live.id, now=NOW, agency_id=None, body="未出示执法证件")
    db.session.commit()
    due = c.answer_due
    assert not c.is_overdue(due) and c.is_overdue(due + timedelta(seconds=1))
    assert jobs.overdue_complaints(due) == 0
    assert jobs.overdue_complaints(due + timedelta(minutes=1)) == 1
    assert jobs.overdue_complaints(due + timedelta(minutes=11)) == 0  # safe to run again
    db.session.commit()
    assert db.session.query(Notification).filter_by(kind="conduct_complaint_overdue").count() == 2
    coordinator = actor_for(users["coordinator"])
    with pytest.raises(Conflict) as caught:
        complaints.decide(coordinator, c.id, now=NOW, publish=True)
    assert caught.value.code == "complaint_not_answered"
    with pytest.raises(NotAllowed):
        complaints.answer(actor_for(users["coordinator"]), c.id, now=NOW, body="x")
    complaints.answer(actor_for(users["agency_staff"]), c.id, now=NOW, body="已核实，对当事人员批评教育")
    complaints.decide(coordinator, c.id, now=NOW, publish=True)
    db.session.commit()
    assert complaints.published_for(live.id) == [c]


def test_the_episode_shows_published_answers_only_and_the_flow_through_pages(app, users, live, login_as, client):
    viewer = login_as("public")
    viewer.get("/lang/en")
    form = viewer.get(f"/episodes/{live.id}/complaints/new?at=65").get_data(as_text=True)
    assert 'value="1"' in form and 'value="5"' in form  # the player's moment, 1:05
    sent = viewer.post(f"/episodes/{live.id}/complaints/new", data={
        "csrf_token": csrf_token(viewer, f"/episodes/{live.id}/complaints/new"),
        "agency_id": str(users["agency_staff"].agency_id), "minute": "1", "second": "5", "body": "推搡群众"})
    assert sent.status_code == 302
    c = db.session.query(ConductComplaint).one()
    assert c.offset_seconds == 65
    assert "推搡群众" not in client.get(f"/episodes/{live.id}").get_data(as_text=True)
    staff = login_as("agency_staff")
    assert "推搡群众" in staff.get("/complaints").get_data(as_text=True)
    staff.post(f"/complaints/{c.id}/answer",
               data={"csrf_token": csrf_token(staff, "/complaints"), "body": "经核查属实"})
    coordinator = login_as("coordinator")
    coordinator.get("/lang/en")
    dashboard = coordinator.get("/dashboard").get_data(as_text=True)
    assert re.search(r'data-section="complaints-to-decide">\s*<h2[^>]*>[^<]*<span class="dash-count" data-count="1"',
                     dashboard)
    coordinator.post(f"/complaints/{c.id}/decide", data={"csrf_token": csrf_token(coordinator, "/complaints"),
                                                          "decision": "publish"})
    client.get("/lang/en")
    page = client.get(f"/episodes/{live.id}").get_data(as_text=True)
    assert "推搡群众" in page and "经核查属实" in page and "At 1:05 of the stream" in page
    assert users["public"].display_name not in page[page.find('id="conduct"'):]


def test_overdue_complaints_show_on_the_list_and_the_dashboard(app, users, login_as):
    aired = clock.now() - timedelta(days=40)
    ended = factories.episode("ended", agencies=[users["agency_staff"].agency], start=aired, live_at=aired,
                              ended_at=aired + timedelta(hours=1))
    db.session.commit()
    c = complaints.submit(actor_for(users["public"]), ended.id, now=aired + timedelta(days=10), agency_id=None,
                          body="未亮证执法", offset_seconds=10)
    db.session.commit()
    coordinator = login_as("coordinator")
    coordinator.get("/lang/en")
    assert "pt-overdue" in coordinator.get("/complaints").get_data(as_text=True)
    dashboard = coordinator.get("/dashboard").get_data(as_text=True)
    assert re.search(r'data-section="overdue-complaints">\s*<h2[^>]*>[^<]*<span class="dash-count" data-count="1"',
                     dashboard)
    assert c.id


def test_the_complaints_api(app, users, live, client):
    from app.accounts import services as accounts

    def bearer(role):
        _, secret = accounts.issue_token(users[role], "t", now=clock.now())
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    made = client.post(f"/api/v1/episodes/{live.id}/complaints", json={"body": "辱骂商户", "offset_seconds": 90},
                       headers=bearer("public"))
    assert made.status_code == 201 and made.json["data"]["offset_seconds"] == 90
    cid = made.json["data"]["id"]
    bad = client.post(f"/api/v1/episodes/{live.id}/complaints", json={"body": ""}, headers=bearer("public"))
    assert bad.status_code == 422 and bad.json["error"]["code"] == "complaint_body_invalid"
    assert client.get(f"/api/v1/episodes/{live.id}/complaints").json["data"] == []
    assert [c["id"] for c in client.get("/api/v1/complaints", headers=bearer("agency_staff")).json["data"]] == [cid]
    assert client.get("/api/v1/complaints", headers=bearer("observer")).json["data"] == []  # not theirs
    client.post(f"/api/v1/complaints/{cid}/answer", json={"body": "已处理"}, headers=bearer("agency_staff"))
    done = client.post(f"/api/v1/complaints/{cid}/decision", json={"decision": "publish"},
                       headers=bearer("coordinator"))
    assert done.json["data"]["state"] == "published"
    [shown] = client.get(f"/api/v1/episodes/{live.id}/complaints").json["data"]
    assert (shown["body"], shown["answer_body"], shown["overdue"]) == ("辱骂商户", "已处理", False)
    assert "user_id" not in shown


def test_complaints_per_user_are_rate_limited(app, users, live, monkeypatch):
    monkeypatch.setitem(app.config, "COMPLAINT_RATE_USER", "2/hour")
    viewer = actor_for(users["public"])
    for n in range(2):
        complaints.submit(viewer, live.id, now=NOW, agency_id=None, body=f"第{n}条")
    from app.core.errors import RateLimited

    with pytest.raises(RateLimited) as caught:
        complaints.submit(viewer, live.id, now=NOW, agency_id=None, body="第三条")
    assert caught.value.code == "complaint_rate_limited"
    complaints.submit(actor_for(users["observer"]), live.id, now=NOW, agency_id=None, body="另一位网友")
