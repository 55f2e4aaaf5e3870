"""Observer pages and API as people use them: invitation link, QR, bind, accept, check-in, notes."""
from __future__ import annotations

from flask import render_template_string
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.observers import services
from app.observers.models import Invitation, Observer, ObserverNote
from tests.conftest import login
from tests.observers.conftest import run
from tests.security.helpers import meta_csrf, snapshot, text_of


def post_button(client, url, **data):
    return client.post(url, data={"csrf_token": meta_csrf(client), **data})


def test_invitation_page_shows_a_qr_code_served_as_png(world, client):
    inv = run(services.invite, world["coord"], world["episode"].id, world["stranger"].id)

    page = client.get(f"/invitations/{inv.token}")
    image = client.get(f"/invitations/{inv.token}/qr.png")

    assert page.status_code == 200 and f"/invitations/{inv.token}/qr.png" in text_of(page)
    assert "13800000000" not in text_of(client.get(f"/invitations/{run(services.invite, world['coord'], world['episode'].id, world['observer'].id).token}"))
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data[:4] == b"\x89PNG"


def test_a_citizen_binds_then_accepts_through_the_link(world, users, login_as):
    inv = run(services.invite, world["coord"], world["episode"].id, world["stranger"].id)
    citizen = login_as("public")

    assert post_button(citizen, f"/invitations/{inv.token}/bind").status_code == 302
    assert post_button(citizen, f"/invitations/{inv.token}/respond", action="accept").status_code == 302

    assert db.session.get(Invitation, inv.id).state == "accepted"
    page = text_of(citizen.get("/me/observer"))
    assert world["episode"].title in page and "李监督员" in page


def test_double_acceptance_on_the_page_shows_the_reason(world, login_as, accepted):
    observer = login_as("observer")
    before = snapshot()

    response = post_button(observer, f"/invitations/{accepted.token}/respond", action="accept")

    assert response.status_code == 409
    assert 'role="alert"' in text_of(response)
    assert snapshot() == before


def test_coordinator_checks_in_by_opening_the_qr_link(world, login_as, accepted):
    coordinator = login_as("coordinator")
    page = text_of(coordinator.get(f"/invitations/{accepted.token}"))
    assert f"/invitations/{accepted.token}/check-in" in page

    response = post_button(coordinator, f"/invitations/{accepted.token}/check-in")

    assert response.status_code == 302
    assert db.session.get(Invitation, accepted.id).checked_in_at is not None


def test_check_in_of_a_pending_invitation_by_qr_is_refused(world, login_as):
    inv = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)
    coordinator = login_as("coordinator")
    before = snapshot()

    assert "/check-in" not in text_of(coordinator.get(f"/invitations/{inv.token}"))  # no button offered
    response = post_button(coordinator, f"/invitations/{inv.token}/check-in")

    assert response.status_code == 409 and 'role="alert"' in text_of(response)
    assert snapshot() == before


def test_api_check_in_of_someone_not_invited(world, login_as):
    coordinator = login_as("coordinator")

    response = coordinator.post(f"/api/v1/episodes/{world['episode'].id}/check-ins",
                                json={"observer_id": world["stranger"].id},
                                headers={"X-CSRFToken": meta_csrf(coordinator)})

    assert response.status_code == 409 and response.json["error"]["code"] == "observer_not_invited"


def test_api_registry_hides_contact_from_everyone_but_the_coordinator(world, login_as):
    assert login_as("public").get("/api/v1/observers").status_code == 403
    body = login_as("coordinator").get("/api/v1/observers").json
    assert {o["contact"] for o in body["data"]} >= {"13800000000"}


def test_api_invitations_are_the_observers_own(world, login_as):
    run(services.invite, world["coord"], world["episode"].id, world["observer"].id)
    run(services.invite, world["coord"], world["episode"].id, world["stranger"].id)

    mine = login_as("observer").get("/api/v1/invitations").json
    everyone = login_as("coordinator").get("/api/v1/invitations").json

    assert [i["observer_name"] for i in mine["data"]] == ["张代表"]
    assert everyone["meta"]["total"] == 2


def test_api_note_and_wrong_agency_answer(world, app, login_as, accepted):
    world["episode"].state = "live"
    db.session.commit()
    observer = login_as("observer")
    lead = world["episode"].agencies[0].id

    created = observer.post(f"/api/v1/episodes/{world['episode'].id}/observer-notes",
                            json={"agency_id": lead, "aspect": "attitude", "body": "态度良好"},
                            headers={"X-CSRFToken": meta_csrf(observer)})
    assert created.status_code == 201
    note_id = created.json["data"]["id"]

    c = app.test_client()
    login(c, world["other_staff"].username)
    before = snapshot()
    refused = c.post(f"/api/v1/observer-notes/{note_id}/answer", json={"body": "越权"},
                     headers={"X-CSRFToken": meta_csrf(c)})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "note_wrong_agency"
    assert snapshot() == before

    staff = login_as("agency_staff")
    answered = staff.post(f"/api/v1/observer-notes/{note_id}/answer", json={"body": "已整改"},
                          headers={"X-CSRFToken": meta_csrf(staff)})
    assert answered.status_code == 200 and answered.json["data"]["answer"] == "已整改"
    public = login_as("public").get("/api/v1/observer-notes").json
    assert public["data"][0]["answer"] == "已整改"


def test_api_note_from_a_non_observer(world, login_as):
    public = login_as("public")
    before = snapshot()

    response = public.post(f"/api/v1/episodes/{world['episode'].id}/observer-notes",
                           json={"agency_id": 1, "aspect": "procedure", "body": "x"},
                           headers={"X-CSRFToken": meta_csrf(public)})

    assert response.status_code == 403 and response.json["error"]["code"] == "note_observers_only"
    assert snapshot() == before


def test_coordinator_only_notes_stay_private(world, login_as, accepted):
    world["episode"].state = "ended"
    db.session.commit()
    from app.observers import notes
    run(notes.post_note, world["obs"], world["episode"].id, agency_id=world["episode"].agencies[0].id,
        aspect="fairness", body="仅供协调人", visibility="coordinator")

    assert login_as("public").get("/api/v1/observer-notes").json["meta"]["total"] == 0
    assert login_as("agency_staff").get("/api/v1/observer-notes").json["meta"]["total"] == 1
    assert login_as("coordinator").get("/api/v1/observer-notes").json["meta"]["total"] == 1


def test_episode_partial_lists_accepted_listed_observers_by_kind(world, app, accepted):
    hidden = Observer(name="不公开的专家", kind="expert", listed=False)
    db.session.add(hidden)
    db.session.flush()
    db.session.add(Invitation(episode_id=world["episode"].id, observer_id=hidden.id, token="hid", state="accepted",
                              expires_at=world["episode"].scheduled_start))
    db.session.commit()

    with app.test_request_context("/"):
        html = render_template_string('{% include "observers/_episode_observers.html" %}', episode=world["episode"])

    assert "张代表" in html and "不公开的专家" not in html and "13800000000" not in html


def test_live_comment_payload_carries_the_observer_kind(world, users):
    from app.live.broadcast import comment_item
    from app.live.models import Comment

    comment = Comment(episode_id=world["episode"].id, user_id=users["observer"].id, seq=1, body="你好",
                      kind="comment", state="published", created_at=clock.now())
    db.session.add(comment)
    db.session.flush()

    assert comment_item(comment)["observer_kind"] == "deputy"
    comment.user_id = users["public"].id
    db.session.flush()
    db.session.expire(comment, ["user"])
    assert comment_item(comment)["observer_kind"] is None


def test_observer_pages_render(world, login_as, accepted):
    coordinator = login_as("coordinator")
    for url in ("/observers", "/observers/rotation", f"/episodes/{world['episode'].id}/observers",
                "/observers/notes", f"/observers/{world['observer'].id}/edit"):
        assert coordinator.get(url).status_code == 200, url
    assert "张代表" in text_of(coordinator.get("/observers/rotation"))


def test_registry_form_refuses_a_staff_account_with_the_reason(world, users, login_as):
    coordinator = login_as("coordinator")
    before = snapshot()

    response = coordinator.post("/observers", data={"csrf_token": meta_csrf(coordinator), "name": "x",
                                                    "kind": "expert", "username": users["agency_staff"].username})

    assert response.status_code == 409 and 'role="alert"' in text_of(response)
    assert snapshot() == before
    assert db.session.scalar(select(ObserverNote)) is None


def test_comment_history_api_names_observer_kinds_in_one_query(world, users, client):
    """The catch-up API shows the deputy badge too, without a query per comment."""
    from sqlalchemy import event

    from app.live.models import Comment

    for seq, who in enumerate(["observer", "public", "observer"], start=1):
        db.session.add(Comment(episode_id=world["episode"].id, user_id=users[who].id, seq=seq, body=f"第{seq}条",
                               kind="comment", state="published", created_at=clock.now()))
    db.session.commit()
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        body = client.get(f"/api/v1/episodes/{world['episode'].id}/comments?since_seq=0").get_json()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert [(c["body"], c["observer_kind"]) for c in body["data"]] == [
        ("第1条", "deputy"), ("第2条", None), ("第3条", "deputy")]
    comment_queries = [s for s in seen if "FROM comments" in s]
    assert len(comment_queries) == 1
