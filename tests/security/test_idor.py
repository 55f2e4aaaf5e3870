"""Agency staff cannot read another agency's drafts nor change anything of another agency.

Agency A is the agency_staff user's; agency B has its own staff user. B owns a draft episode, an
ended episode with a finding, a submitted (unpublished) follow-up report, a published report and an
observer note addressed to it. Every id-bearing page and API URL that touches them is called as
staff of A (refused, nothing changes) and, as a control, the reads as staff of B (allowed), so a
refusal is about the agency and not a wrong URL.
(The route × role matrix in test_authorization.py covers the coordinator-only writes for every role.)
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.core import clock
from app.core.auth import actor_for
from app.extensions import db
from app.findings import reports, services
from app.observers.models import Observer, ObserverNote
from tests import factories
from tests.conftest import login
from tests.security.helpers import meta_csrf, snapshot

DRAFT_TITLE = "B 的未公开草稿"
PRIVATE_NOTE = "仅协调方与 B 可见的意见"


@pytest.fixture
def world(app, users):
    now = clock.now()
    agency_b = factories.agency()
    staff_b = factories.user("agency_staff", agency_obj=agency_b, username="staffb_u")
    draft = factories.episode("draft", agencies=[agency_b], title=DRAFT_TITLE)
    ended = factories.episode("ended", agencies=[agency_b], title="B 已结束", start=now - timedelta(days=3))
    db.session.commit()
    coordinator, b = actor_for(users["coordinator"]), actor_for(staff_b)
    finding = services.record_finding(coordinator, ended.id, now=now, party_name="某餐馆", description="生熟混放",
                                      domain_id=agency_b.domains[0].id, agency_id=agency_b.id,
                                      rectify_by=now + timedelta(days=10))
    other = services.record_finding(coordinator, ended.id, now=now, party_name="某超市", description="过期食品",
                                    domain_id=agency_b.domains[0].id, agency_id=agency_b.id,
                                    rectify_by=now + timedelta(days=10))
    db.session.commit()
    submitted = reports.create_report(b, now=now, reinspected_on=now.date(), body="B 的复查草稿：尚未公开",
                                      outcomes=[reports.OutcomeInput(finding.id, "rectified", "")],
                                      publish_now=True)
    published = reports.create_report(b, now=now, reinspected_on=now.date(), body="B 已公开的复查",
                                      outcomes=[reports.OutcomeInput(other.id, "rectified", "")], publish_now=True)
    reports.review(coordinator, published.id, now=now, decision="approve")
    observer = Observer(name="王代表", kind="deputy", user_id=users["observer"].id)
    db.session.add(observer)
    db.session.flush()
    note = ObserverNote(episode_id=ended.id, observer_id=observer.id, agency_id=agency_b.id, aspect="procedure",
                        body="执法记录仪未全程开启", visibility="public", created_at=now)
    private = ObserverNote(episode_id=ended.id, observer_id=observer.id, agency_id=agency_b.id, aspect="attitude",
                           body=PRIVATE_NOTE, visibility="coordinator", created_at=now)
    db.session.add_all([note, private])
    db.session.commit()
    return {"draft": draft.id, "ended": ended.id, "finding": finding.id, "submitted": submitted.id,
            "published": published.id, "note": note.id, "staff_b": staff_b.username}


#: Reads of B's unpublished things: (label, path). Staff of B read them (200); staff of A get 404.
READS = [
    ("draft episode page", "/episodes/{draft}"),
    ("draft episode calendar", "/episodes/{draft}.ics"),
    ("draft episode API", "/api/v1/episodes/{draft}"),
    ("draft episode comments API", "/api/v1/episodes/{draft}/comments"),
    ("draft episode questions API", "/api/v1/episodes/{draft}/questions"),
    ("draft episode notes API", "/api/v1/episodes/{draft}/notes"),
    ("draft episode live counts API", "/api/v1/episodes/{draft}/live"),
    ("submitted report page", "/follow-ups/{submitted}"),
    ("submitted report API", "/api/v1/follow-ups/{submitted}"),
    ("submitted report revisions API", "/api/v1/follow-ups/{submitted}/revisions"),
]

#: Writes to B's things as staff of A: (label, method, path, form or JSON body). Each is refused.
WRITES = [
    ("edit B's draft episode (page)", "POST", "/episodes/{draft}/edit", {"title": "A 改的"}),
    ("edit B's episode (API)", "PATCH", "/api/v1/episodes/{ended}", {"title": "A 改的"}),
    ("publish B's draft (API)", "POST", "/api/v1/episodes/{draft}/transition", {"step": "publish"}),
    ("publish B's draft (page)", "POST", "/episodes/{draft}/step", {"step": "publish"}),
    ("post a live note in B's episode", "POST", "/episodes/{draft}/console/notes", {"body": "A 的讲解"}),
    ("change the state of B's episode", "POST", "/episodes/{draft}/console/state", {"step": "start"}),
    ("record a finding in B's episode", "POST", "/episodes/{ended}/findings/new",
     {"party_name": "x", "description": "x"}),
    ("comment on B's draft (API)", "POST", "/api/v1/episodes/{draft}/comments", {"body": "A 的评论"}),
    ("remind of B's draft (API)", "POST", "/api/v1/episodes/{draft}/reminder", {}),
    ("edit B's submitted report (page)", "POST", "/follow-ups/{submitted}/edit", {"body": "A 改的"}),
    ("edit B's submitted report (API)", "PATCH", "/api/v1/follow-ups/{submitted}",
     {"reinspected_on": "2030-01-01", "body": "A 改的", "publish_now": True,
      "outcomes": [{"finding_id": 0, "outcome": "rectified"}]}),
    ("correct B's published report (page)", "POST", "/follow-ups/{published}/correct",
     {"body": "A 改的", "reason": "A"}),
    ("correct B's published report (API)", "POST", "/api/v1/follow-ups/{published}/revisions",
     {"body": "A 改的", "reason": "A"}),
    ("review B's report (API)", "POST", "/api/v1/follow-ups/{submitted}/review", {"decision": "approve"}),
    ("review B's report (page)", "POST", "/follow-ups/{submitted}/review", {"decision": "approve"}),
    ("decide on B's finding (page)", "POST", "/findings/{finding}/decide", {"decision": "closed"}),
    ("answer B's observer note (page)", "POST", "/observer-notes/{note}/answer", {"body": "A 代答"}),
    ("answer B's observer note (API)", "POST", "/api/v1/observer-notes/{note}/answer", {"body": "A 代答"}),
    ("set the due date of B's note (API)", "PATCH", "/api/v1/observer-notes/{note}",
     {"answer_due": "2031-01-01T00:00:00+00:00"}),
    ("invite to B's draft (page)", "POST", "/episodes/{draft}/observers", {"observer_id": "1"}),
    ("observer note on B's draft (page)", "POST", "/episodes/{draft}/observer-notes/new",
     {"agency_id": "1", "aspect": "procedure", "body": "x"}),
]


def readable(response) -> str:
    """The body as text, JSON decoded (its strings are \\u-escaped on the wire)."""
    if response.is_json:
        return json.dumps(response.json, ensure_ascii=False)
    return response.get_data(as_text=True)


def staff_client(app, username: str):
    c = app.test_client()
    assert login(c, username).status_code == 302
    return c


def send(client, method: str, path: str, body: dict):
    token = meta_csrf(client)
    if path.startswith("/api/"):
        return client.open(path, method=method, json=body, headers={"X-CSRFToken": token})
    return client.open(path, method=method, data={**body, "csrf_token": token})


def test_staff_of_another_agency_cannot_read_unpublished_things(app, users, world):
    staff_a = staff_client(app, users["agency_staff"].username)
    staff_b = staff_client(app, world["staff_b"])
    wrong = []

    for label, template in READS:
        path = template.format(**world)
        if staff_b.get(path).status_code != 200:
            wrong.append(f"{label}: staff of B cannot read it (the control failed)")
        response = staff_a.get(path)
        body = readable(response)
        if response.status_code != 404:
            wrong.append(f"{label}: staff of A got {response.status_code}, expected 404")
        if DRAFT_TITLE in body or "尚未公开" in body:
            wrong.append(f"{label}: the unpublished text leaked")

    assert wrong == []


def test_lists_of_staff_of_another_agency_leave_out_unpublished_things(app, users, world):
    staff_a = staff_client(app, users["agency_staff"].username)

    for path in ("/api/v1/episodes?per_page=100", "/api/v1/episodes?state=draft", "/api/v1/follow-ups?per_page=100",
                 "/api/v1/findings?per_page=100", "/api/v1/follow-up/board", "/episodes", "/episodes/archive",
                 "/follow-up/manage", "/follow-up", "/follow-up/feed.atom", "/observers/notes", "/api/v1/observer-notes?per_page=100",
                 f"/episodes/{world['ended']}", "/"):
        response = staff_a.get(path)
        body = readable(response)
        assert response.status_code == 200, path
        assert DRAFT_TITLE not in body and "尚未公开" not in body and PRIVATE_NOTE not in body, path
    # The control: B's staff do see B's coordinator-only note.
    staff_b = staff_client(app, world["staff_b"])
    assert PRIVATE_NOTE in readable(staff_b.get("/api/v1/observer-notes?per_page=100"))


def test_staff_of_another_agency_cannot_change_anything(app, users, world):
    staff_a = staff_client(app, users["agency_staff"].username)
    before = snapshot()
    wrong = []

    for label, method, template, body in WRITES:
        response = send(staff_a, method, template.format(**world), body)
        if response.status_code not in (403, 404):
            wrong.append(f"{label}: {response.status_code}, expected 403 or 404")
        if template.startswith("/api/") and (response.json or {}).get("ok") is not False:
            wrong.append(f"{label}: no error envelope")

    assert wrong == []
    assert snapshot() == before, "a refused request changed something"


def test_the_owning_agency_may_answer_its_note_and_correct_its_report(app, users, world):
    """The control for the writes: the same requests as staff of B succeed."""
    staff_b = staff_client(app, world["staff_b"])

    answered = send(staff_b, "POST", "/api/v1/observer-notes/{note}/answer".format(**world), {"body": "已整改"})
    corrected = send(staff_b, "POST", "/api/v1/follow-ups/{published}/revisions".format(**world),
                     {"body": "更正后的复查", "reason": "错别字"})

    assert answered.status_code == 200, answered.json
    assert corrected.status_code in (200, 201), corrected.json
    assert db.session.get(ObserverNote, world["note"]).answer_body == "已整改"
