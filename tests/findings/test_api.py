"""The JSON API of findings, reports, revisions and the board."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.findings.models import FollowUp
from tests.findings.helpers import finding, report, world
from tests.security.helpers import meta_csrf


def write(client, method: str, url: str, body: dict):
    return client.open(url, method=method, json=body, headers={"X-CSRFToken": meta_csrf(client)})


def test_findings_list_filters_and_derives_overdue(app, users, client):
    now = clock.now()
    w = world(users)
    late = finding(users, w, now=now - timedelta(days=9), rectify_by=now - timedelta(hours=1), party_name="逾期")
    finding(users, w, now=now, party_name="未到期")

    body = client.get("/api/v1/findings?state=overdue").json

    assert body["ok"] and body["meta"]["total"] == 1
    assert body["data"][0]["id"] == late.id and body["data"][0]["overdue"] is True
    assert client.get("/api/v1/findings?state=nonsense").status_code == 422


def test_the_agency_writes_a_report_and_the_coordinator_approves_it(app, users, login_as):
    now = clock.now()
    w = world(users)
    f = finding(users, w, now=now)
    staff, coordinator = login_as("agency_staff"), login_as("coordinator")
    body = {"reinspected_on": str(now.date() - timedelta(days=1)), "body": "**已整改**",
            "outcomes": [{"finding_id": f.id, "outcome": "rectified"}],
            "publish_at": (now - timedelta(minutes=5)).isoformat()}

    refused = write(staff, "POST", "/api/v1/follow-ups", body)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "publish_at_in_past"
    body["publish_at"] = (now + timedelta(days=1)).isoformat()
    created = write(staff, "POST", "/api/v1/follow-ups", body)
    assert created.status_code == 201 and created.json["data"]["state"] == "submitted"
    rid = created.json["data"]["id"]
    assert created.json["data"]["current"]["html"] == "<p><strong>已整改</strong></p>\n"

    approved = write(coordinator, "POST", f"/api/v1/follow-ups/{rid}/review", {"decision": "approve"})
    assert approved.json["data"]["state"] == "approved"
    assert login_as("public").get(f"/api/v1/follow-ups/{rid}").status_code == 404  # not yet public


def test_a_report_on_another_agencys_finding_is_refused(app, users, login_as):
    w = world(users)
    theirs = finding(users, w, agency=w["other"])
    staff = login_as("agency_staff")

    response = write(staff, "POST", "/api/v1/follow-ups", {
        "reinspected_on": "2020-01-01", "body": "x", "publish_now": True,
        "outcomes": [{"finding_id": theirs.id, "outcome": "rectified"}]})

    assert response.status_code == 403
    assert response.json["error"]["code"] == "follow_up_other_agency"
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_a_published_report_answers_409_to_an_edit_and_takes_a_correction(app, users, login_as):
    now = clock.now()
    w = world(users)
    f = finding(users, w, now=now)
    rid = report(users, [f], publish_now=True, now=now)
    staff = login_as("agency_staff")

    edit = write(staff, "PATCH", f"/api/v1/follow-ups/{rid}", {
        "reinspected_on": "2020-01-01", "body": "改写", "publish_now": True,
        "outcomes": [{"finding_id": f.id, "outcome": "rectified"}]})
    assert edit.status_code == 409 and edit.json["error"]["code"] == "follow_up_published"
    fixed = write(staff, "POST", f"/api/v1/follow-ups/{rid}/revisions", {"body": "更正", "reason": "日期有误"})
    assert fixed.status_code == 201 and fixed.json["data"]["number"] == 2

    revisions = login_as("public").get(f"/api/v1/follow-ups/{rid}/revisions").json["data"]
    assert [(r["number"], r["reason"]) for r in revisions] == [(1, None), (2, "日期有误")]


def test_the_board_figures(app, users, client):
    now = clock.now()
    w = world(users)
    late = finding(users, w, now=now - timedelta(days=9), rectify_by=now - timedelta(hours=1))
    finding(users, w, now=now)
    late.state, late.rectified_at = "rectified", now - timedelta(days=5)
    db.session.commit()

    data = client.get("/api/v1/follow-up/board").json["data"]

    assert data["overall"]["due"] == 1 and data["overall"]["rate"] == 1.0 and data["overall"]["total"] == 2
    assert data["overall"]["median_days"] == 4.0
    assert [s["key"] for s in data["by_episode"]] == [w["episode"].id]


def test_the_api_is_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]

    for path in ("/api/v1/findings", "/api/v1/follow-ups", "/api/v1/follow-ups/{report_id}/revisions",
                 "/api/v1/follow-up/board", "/api/v1/findings/{finding_id}/confirmations"):
        assert path in paths
