"""The pages people use: the board, a finding, a report, the forms, the feed, follows, the episode section."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import timedelta

from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.findings.models import Finding, FollowUp
from app.notifications.models import Subscription
from tests.conftest import csrf_token
from tests.findings.helpers import finding, png, report, world
from tests.security.helpers import text_of

ATOM = "{http://www.w3.org/2005/Atom}"


def published_world(users):
    now = clock.now()
    w = world(users)
    f = finding(users, w, now=now, party_name="幸福餐馆")
    rid = report(users, [f], publish_now=True, now=now)
    return w, f, rid


def test_the_board_shows_findings_states_and_rates(app, users, client):
    now = clock.now()
    w = world(users)
    overdue = finding(users, w, now=now - timedelta(days=20), rectify_by=now - timedelta(days=1), party_name="逾期超市")
    finding(users, w, now=now, party_name="未到期餐馆")

    page = text_of(client.get("/follow-up"))

    assert "逾期超市" in page and "未到期餐馆" in page
    assert "0.0%" in page and "n = 1" in page  # one due finding, not rectified
    only_overdue = text_of(client.get("/follow-up?state=overdue"))
    assert "逾期超市" in only_overdue and "未到期餐馆" not in only_overdue
    by_agency = text_of(client.get(f"/follow-up?agency={w['other'].slug}"))
    assert "逾期超市" not in by_agency
    assert overdue.is_overdue(now)


def test_a_draft_episodes_findings_are_not_public(app, users, client):
    w = world(users)
    f = finding(users, w)
    w["episode"].state = "draft"
    db.session.commit()

    assert client.get(f"/findings/{f.id}").status_code == 404
    assert "某餐馆" not in text_of(client.get("/follow-up"))


def test_a_finding_page_shows_timeline_and_published_report(app, users, client):
    w, f, rid = published_world(users)

    page = text_of(client.get(f"/findings/{f.id}"))

    assert "幸福餐馆" in page
    assert "Rectified" in page or "已整改" in page
    assert f"/follow-ups/{rid}" in page


def test_the_report_page_renders_sanitized_markdown(app, users, client):
    from app.core.auth import actor_for
    from app.findings import reports

    w, f, rid = published_world(users)
    reports.correct(actor_for(users["agency_staff"]), rid, now=clock.now(), body="**更正** <script>alert(1)</script>",
                    reason="错别字")
    db.session.commit()

    html = client.get(f"/follow-ups/{rid}").get_data(as_text=True)

    assert "<strong>更正</strong>" in html
    assert "<script>alert(1)" not in html
    assert "错别字" in html  # the history shows the reason


def test_unpublished_reports_are_hidden_from_the_public(app, users, client, login_as):
    w = world(users)
    rid = report(users, [finding(users, w)], approve=False)

    assert client.get(f"/follow-ups/{rid}").status_code == 404
    assert login_as("agency_staff").get(f"/follow-ups/{rid}").status_code == 200
    assert login_as("coordinator").get(f"/follow-ups/{rid}").status_code == 200


def test_agency_staff_record_a_finding_through_the_form(app, users, login_as):
    w = world(users)
    staff = login_as("agency_staff")
    url = f"/episodes/{w['episode'].id}/findings/new"
    data = {"csrf_token": csrf_token(staff, url), "party_name": "某食堂", "description": "餐具未消毒",
            "domain_id": str(w["own"].domains[0].id), "legal_basis_id": "0", "severity": "moderate",
            "agency_id": str(w["own"].id), "rectify_by": "", "replay_minute": "12"}

    missing = staff.post(url, data=data)
    assert missing.status_code == 422
    assert "Set a rectification deadline" in text_of(missing) or "整改期限" in text_of(missing)
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 0

    data.update(rectify_by=(clock.now() + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
                photos=(io.BytesIO(png()), "evidence.png"))
    done = staff.post(url, data=data, content_type="multipart/form-data")
    assert done.status_code == 302
    stored = db.session.scalar(select(Finding))
    assert (stored.party_name, stored.replay_offset_seconds, len(stored.photos)) == ("某食堂", 720, 1)
    photo_url = f"/uploads/{stored.photos[0].path}"
    assert staff.get(photo_url).headers["Content-Type"] == "image/jpeg"


def test_a_non_image_upload_is_refused_on_the_form(app, users, login_as):
    w = world(users)
    staff = login_as("agency_staff")
    url = f"/episodes/{w['episode'].id}/findings/new"
    data = {"csrf_token": csrf_token(staff, url), "party_name": "某食堂", "description": "x",
            "domain_id": str(w["own"].domains[0].id), "legal_basis_id": "0", "severity": "moderate",
            "agency_id": str(w["own"].id), "rectify_by": (clock.now() + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
            "photos": (io.BytesIO(b"MZ\x90\x00"), "virus.png")}

    response = staff.post(url, data=data, content_type="multipart/form-data")

    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 0


def test_the_report_form_refuses_a_past_publish_time_and_suggests_publish_now(app, users, login_as):
    w = world(users)
    f = finding(users, w, now=clock.now())
    staff = login_as("agency_staff")
    url = f"/follow-ups/new?episode={w['episode'].id}"
    assert "某餐馆" in text_of(staff.get(url))
    data = {"csrf_token": csrf_token(staff, url), f"outcome_{f.id}": "rectified", "reinspected_on": "2020-01-02",
            "body": "已整改", "publish_at": "2020-01-03T10:00", "action": "submit"}

    refused = staff.post(url, data=data)
    assert refused.status_code == 422
    assert "publish now" in text_of(refused) or "立即发布" in text_of(refused)
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0

    data.pop("publish_at")
    data["publish_now"] = "y"
    assert staff.post(url, data=data).status_code == 302
    assert db.session.scalar(select(FollowUp.state)) == "submitted"


def test_the_coordinator_approves_on_the_report_page(app, users, login_as):
    w = world(users)
    f = finding(users, w, now=clock.now())
    rid = report(users, [f], approve=False, publish_now=True, now=clock.now())
    coordinator = login_as("coordinator")
    url = f"/follow-ups/{rid}"

    response = coordinator.post(f"{url}/review", data={"csrf_token": csrf_token(coordinator, url),
                                                       "decision": "approve"})

    assert response.status_code == 302
    assert db.session.get(FollowUp, rid).state == "published"
    assert db.session.get(Finding, f.id).state == "rectified"


def test_editing_a_published_report_in_place_is_refused(app, users, login_as):
    w, f, rid = published_world(users)
    staff = login_as("agency_staff")
    url = f"/follow-ups/{rid}/edit"

    response = staff.post(url, data={"csrf_token": csrf_token(staff, f"/follow-ups/{rid}"), "body": "改写",
                                     f"outcome_{f.id}": "rectified", "reinspected_on": "2020-01-02",
                                     "publish_now": "y"})

    assert response.status_code == 409
    assert "correction" in text_of(response) or "更正" in text_of(response)
    assert db.session.get(FollowUp, rid).current.body_md == "## 复查\n\n已整改。"


def test_following_a_finding_then_confirming(app, users, login_as):
    w, f, rid = published_world(users)
    public = login_as("public")
    page = f"/findings/{f.id}"

    public.post(f"/follow/finding/{f.id}", data={"csrf_token": csrf_token(public, page), "next": page})
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 1
    response = public.post(f"{page}/confirm", data={"csrf_token": csrf_token(public, page),
                                                    "verdict": "not_rectified", "reason": ""})
    assert response.status_code == 422
    response = public.post(f"{page}/confirm", data={"csrf_token": csrf_token(public, page),
                                                    "verdict": "not_rectified", "reason": "门口仍堆放杂物"})
    assert response.status_code == 302
    assert "门口仍堆放杂物" in text_of(public.get(page))
    public.post(f"/follow/finding/{f.id}", data={"csrf_token": csrf_token(public, page), "off": "1"})
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0


def test_follow_refuses_an_offsite_next(app, users, login_as):
    w = world(users)
    public = login_as("public")

    response = public.post(f"/follow/agency/{w['own'].id}", data={"csrf_token": csrf_token(public, "/follow-up"),
                                                                  "next": "//evil.example/"})

    assert response.headers["Location"] == "/follow-up"


def test_the_atom_feed_parses_and_lists_published_reports(app, users, client):
    w, f, rid = published_world(users)
    report(users, [finding(users, w, now=clock.now(), party_name="未发布")], approve=False, now=clock.now())

    response = client.get("/follow-up/feed.atom")

    assert response.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.data)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}id").text.endswith(f"/follow-ups/{rid}")
    assert "<h2>复查</h2>" in entries[0].find(f"{ATOM}content").text


def test_the_episode_section_partial(app, users):
    from flask import render_template_string

    w, f, rid = published_world(users)
    with app.test_request_context("/"):
        html = render_template_string('{% include "findings/_episode_followups.html" %}', episode=w["episode"])

    assert "幸福餐馆" in html and f"/follow-ups/{rid}" in html and 'aria-live="polite"' in html
