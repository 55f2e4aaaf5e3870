"""The parties API: register, record with the alert, editing, codes for the party, statements review."""
from __future__ import annotations

from datetime import timedelta

from app.accounts import services as accounts
from app.core import clock
from app.extensions import db
from app.parties.models import Inspection
from tests.parties.helpers import episode_at, finding


def _bearer(user) -> dict:
    _, secret = accounts.issue_token(user, "test", now=clock.now())
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_register_and_record_with_the_alert(app, users, client, monkeypatch):
    monkeypatch.setitem(app.config, "PARTY_ALERT_MAX_INSPECTIONS", 1)
    monkeypatch.setitem(app.config, "PARTY_ALERT_WINDOW_DAYS", 30)
    agency = users["agency_staff"].agency
    for days in (9, 2):
        f = finding(users, episode_at(clock.now() - timedelta(days=days), [agency]), agency, now=clock.now())
    listing = client.get("/api/v1/parties?q=幸福").json
    assert [p["name"] for p in listing["data"]] == ["幸福餐馆"] and listing["meta"]["total"] == 1
    record = client.get(f"/api/v1/parties/{f.party_id}").json["data"]
    assert record["alert"] == {"alerted": True, "recent_inspections": 2, "max_inspections": 1, "window_days": 30}
    assert len(record["inspections"]) == 2 and f.id in record["finding_ids"]
    assert client.get(f"/api/v1/findings/{f.id}").json["data"]["party_id"] == f.party_id


def test_a_bad_credit_code_gets_a_stable_error_code(app, users, client):
    agency = users["agency_staff"].agency
    f = finding(users, episode_at(clock.now() - timedelta(days=1), [agency]), agency, now=clock.now())
    headers = _bearer(users["coordinator"])
    bad = client.patch(f"/api/v1/parties/{f.party_id}", json={"credit_code": "91350100M000100Y44"}, headers=headers)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "credit_code_checksum"
    good = client.patch(f"/api/v1/parties/{f.party_id}", json={"credit_code": "91350100m000100y43"}, headers=headers)
    assert good.json["data"]["credit_code"] == "91350100M000100Y43"
    refused = client.patch(f"/api/v1/parties/{f.party_id}", json={"name": "x"}, headers=_bearer(users["agency_staff"]))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "party_coordinator_only"


def test_the_party_answers_through_the_api_once_without_an_account(app, users, client):
    agency = users["agency_staff"].agency
    f = finding(users, episode_at(clock.now() - timedelta(days=1), [agency]), agency, now=clock.now())
    inspection = db.session.query(Inspection).one()
    issued = client.post(f"/api/v1/inspections/{inspection.id}/codes", headers=_bearer(users["agency_staff"]))
    assert issued.status_code == 201
    code = issued.json["data"]["code"]
    assert issued.json["data"]["link"].endswith(f"/p/{code}")
    party = app.test_client()
    info = party.get(f"/api/v1/party-codes/{code}").json["data"]
    assert info["party_name"] == "幸福餐馆" and [x["id"] for x in info["findings"]] == [f.id]
    body = {"took_place": True, "conduct_standard": 4, "conduct_civil": 5,
            "statements": [{"finding_id": f.id, "body": "已整改完毕"}]}
    first = party.post(f"/api/v1/party-codes/{code}/answer", json=body)
    assert first.status_code == 201 and first.json["data"] == {"inspection_id": inspection.id, "took_place": True,
                                                                "statements": 1}
    again = party.post(f"/api/v1/party-codes/{code}/answer", json=body)
    assert again.status_code == 409 and again.json["error"]["code"] == "party_code_used"
    wrong = party.get("/api/v1/party-codes/ZZZZZZZZZZ")
    assert wrong.status_code == 404 and wrong.json["error"]["code"] == "party_code_invalid"

    coordinator = _bearer(users["coordinator"])
    [pending] = client.get("/api/v1/party-statements", headers=coordinator).json["data"]
    assert pending["body"] == "已整改完毕"
    no_reason = client.post(f"/api/v1/party-statements/{pending['id']}/review", json={"decision": "reject"},
                            headers=coordinator)
    assert no_reason.status_code == 422 and no_reason.json["error"]["code"] == "party_statement_reason_required"
    done = client.post(f"/api/v1/party-statements/{pending['id']}/review", json={"decision": "publish"},
                       headers=coordinator)
    assert done.json["data"]["state"] == "published"
    record = client.get(f"/api/v1/parties/{f.party_id}").json["data"]
    assert [s["body"] for s in record["statements"]] == ["已整改完毕"]
    assert record["inspections"][0]["took_place"] is True
