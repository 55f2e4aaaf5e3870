"""Party pages as visitors see them: the register, a record, the code page, reviews, the dashboard."""
from __future__ import annotations

import re
from datetime import timedelta

from app.core import clock
from app.core.auth import actor_for
from app.extensions import db
from app.parties import codes
from app.parties.models import Inspection, PartyStatement
from tests import factories
from tests.conftest import csrf_token
from tests.parties.helpers import episode_at, finding


def _world(users, *, days=(1,), name="幸福餐馆"):
    agency = users["agency_staff"].agency
    now = clock.now()
    made = [finding(users, episode_at(now - timedelta(days=d), [agency]), agency, party_name=name, now=now)
            for d in days]
    return made[-1], agency


def test_the_register_and_a_party_page_list_its_inspections_and_findings(app, users, client):
    f, _ = _world(users, days=(3, 1))
    draft = factories.episode("draft", agencies=[users["agency_staff"].agency])
    db.session.commit()
    client.get("/lang/en")
    listing = client.get("/parties?q=幸福").get_data(as_text=True)
    assert "幸福餐馆" in listing and "Inspections: 2" in listing
    html = client.get(f"/parties/{f.party_id}").get_data(as_text=True)
    assert html.count("/episodes/") >= 2 and f"/findings/{f.id}" in html
    assert draft.title not in html
    assert client.get("/parties?q=没有这家").get_data(as_text=True).count("/parties/") == 0


def test_a_party_without_a_public_inspection_is_not_found(app, users, client):
    from app.parties.models import Party

    party = Party(name="草稿单位", name_key="草稿单位")
    db.session.add(party)
    db.session.commit()
    assert client.get(f"/parties/{party.id}").status_code == 404
    assert client.get("/parties/999").status_code == 404


def test_repeated_inspections_show_on_the_party_page_and_the_dashboard(app, users, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "PARTY_ALERT_MAX_INSPECTIONS", 2)
    monkeypatch.setitem(app.config, "PARTY_ALERT_WINDOW_DAYS", 30)
    f, _ = _world(users, days=(20, 10, 1))
    client.get("/lang/en")
    html = client.get(f"/parties/{f.party_id}").get_data(as_text=True)
    assert "Repeated inspections" in html and "inspected 3 times within 30 days" in html
    dashboard = login_as("coordinator").get("/dashboard").get_data(as_text=True)
    assert re.search(r'data-section="repeated-inspections">\s*<h2[^>]*>[^<]*<span class="dash-count" data-count="1"',
                     dashboard)
    assert f"/parties/{f.party_id}" in dashboard


def _issue(login_as, inspection_id: int) -> tuple[str, str]:
    staff = login_as("agency_staff")
    response = staff.post(f"/inspections/{inspection_id}/code", data={"csrf_token": csrf_token(staff, "/parties")})
    html = response.get_data(as_text=True)
    assert response.status_code == 201
    code = re.search(r'class="pt-code pt-code-big">(\w{5})-(\w{5})<', html)
    return code.group(1) + code.group(2), html


def test_the_party_answers_with_its_code_once_and_the_statement_is_published_after_review(app, users, login_as):
    f, _ = _world(users)
    inspection = db.session.query(Inspection).one()
    code, issued = _issue(login_as, inspection.id)
    assert f"/p/{code}/qr.png" in issued
    party = app.test_client()  # no account
    party.get("/lang/en")
    assert party.get(f"/p/{code}/qr.png").mimetype == "image/png"
    page = party.get(f"/p/{code}").get_data(as_text=True)
    assert "Did this inspection take place?" in page and f'name="statement_{f.id}"' in page
    token = csrf_token(party, f"/p/{code}")
    missing = party.post(f"/p/{code}", data={"csrf_token": token, f"statement_{f.id}": "我们已经整改"})
    assert missing.status_code == 422 and "我们已经整改" in missing.get_data(as_text=True)  # kept, not lost
    done = party.post(f"/p/{code}", data={"csrf_token": token, "took_place": "yes", "conduct_standard": "5",
                                          "conduct_civil": "4", f"statement_{f.id}": "我们已经整改"})
    assert done.status_code == 200 and "your answer was recorded" in done.get_data(as_text=True)
    again = party.get(f"/p/{code}")
    assert again.status_code == 409 and "already used" in again.get_data(as_text=True)
    finding_page = party.get(f"/findings/{f.id}").get_data(as_text=True)
    assert "我们已经整改" not in finding_page  # not before the coordinator's review

    coordinator = login_as("coordinator")
    queue = coordinator.get("/parties/statements").get_data(as_text=True)
    assert "我们已经整改" in queue
    statement = db.session.query(PartyStatement).one()
    token = csrf_token(coordinator, "/parties/statements")
    reviewed = coordinator.post(f"/parties/statements/{statement.id}/review",
                                data={"csrf_token": token, "decision": "publish"})
    assert reviewed.status_code == 302 and db.session.get(PartyStatement, statement.id).state == "published"
    finding_page = party.get(f"/findings/{f.id}").get_data(as_text=True)
    assert "我们已经整改" in finding_page and "The party's statement" in finding_page
    assert "Confirmed by the party" in party.get(f"/parties/{f.party_id}").get_data(as_text=True)


def test_bad_and_expired_codes_get_clear_pages_and_guessing_is_rate_limited(app, users, client, monkeypatch):
    monkeypatch.setitem(app.config, "PARTY_CODE_RATE_IP", "3/hour")
    _world(users)
    inspection = db.session.query(Inspection).one()
    _, plain = codes.issue(actor_for(users["coordinator"]), inspection.id,
                           now=clock.now() - timedelta(days=app.config["PARTY_CODE_DAYS"] + 1))
    db.session.commit()
    client.get("/lang/en")
    bad = client.get("/p/AAAAAAAAAA")
    assert bad.status_code == 404 and "This code is not valid" in bad.get_data(as_text=True)
    expired = client.get(f"/p/{plain}")
    assert expired.status_code == 409 and "This code expired on" in expired.get_data(as_text=True)
    client.get("/p/BBBBBBBBBB")
    limited = client.get(f"/p/{plain}")
    assert limited.status_code == 429 and "Too many attempts" in limited.get_data(as_text=True)


def test_merged_records_forward_and_only_the_coordinator_edits(app, users, login_as):
    a, agency = _world(users, name="甲商行")
    b = finding(users, a.episode, agency, party_name="甲商行(分店)")
    coordinator = login_as("coordinator")
    coordinator.get("/lang/en")
    assert login_as("agency_staff").get(f"/parties/{a.party_id}/edit").status_code == 403
    form = coordinator.get(f"/parties/{a.party_id}/edit").get_data(as_text=True)
    assert 'name="credit_code"' in form
    bad = coordinator.post(f"/parties/{a.party_id}/edit", data={
        "csrf_token": csrf_token(coordinator, f"/parties/{a.party_id}/edit"), "name": "甲商行",
        "credit_code": "91350100M000100Y44", "address": "", "domain_id": "0"})
    assert bad.status_code == 422 and "The check digit of this unified social credit code is wrong" in bad.get_data(
        as_text=True)
    dup = b.party_id
    merged = coordinator.post(f"/parties/{a.party_id}/merge", data={
        "csrf_token": csrf_token(coordinator, f"/parties/{a.party_id}/edit"), "duplicate_id": str(dup)})
    assert merged.status_code == 302
    forward = app.test_client().get(f"/parties/{dup}")
    assert forward.status_code == 301 and forward.headers["Location"].endswith(f"/parties/{a.party_id}")
