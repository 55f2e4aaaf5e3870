"""The episodes API: coordinator writes, lifecycle steps, reminders, clear refusals."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import clock
from app.episodes.models import Episode
from app.extensions import db
from tests import factories
from tests.security.helpers import meta_csrf, snapshot

EN = {"Accept-Language": "en"}


def _post(client, path, body, method="post"):
    return client.open(path, method=method.upper(), json=body, headers={"X-CSRFToken": meta_csrf(client), **EN})


@pytest.fixture
def agency(app, users):
    return users["agency_staff"].agency


def _body(agency, **over):
    body = {"title": "农贸市场检查", "domain_id": agency.domains[0].id, "agency_ids": [agency.id],
            "scheduled_start": (clock.now() + timedelta(days=5)).isoformat(), "area": "观澜街道",
            "stream_url": "https://live.example.cn/s.m3u8", "expected_minutes": 80}
    body.update(over)
    return body


def test_coordinator_creates_and_walks_the_lifecycle(login_as, agency):
    c = login_as("coordinator")
    response = _post(c, "/api/v1/episodes", _body(agency))
    assert response.status_code == 201, response.json
    data = response.json["data"]
    assert data["state"] == "draft" and data["number"] == 1 and data["area"] == "观澜街道"
    assert data["ics_url"] == f"/episodes/{data['id']}.ics"
    for step, state in (("publish", "scheduled"), ("go_live", "live"), ("end", "ended")):
        response = _post(c, f"/api/v1/episodes/{data['id']}/transition", {"step": step})
        assert response.status_code == 200 and response.json["data"]["state"] == state
    assert response.json["data"]["ended_at"]
    response = _post(c, f"/api/v1/episodes/{data['id']}", {"replay_url": "https://v.example.cn/r.mp4"}, "patch")
    assert response.json["data"]["replay_url"] == "https://v.example.cn/r.mp4"


@pytest.mark.parametrize("over, status, code", [
    ({"stream_url": "ftp://x.example/s"}, 422, "episode_stream_url_invalid"),
    ({"agency_ids": [424242]}, 422, "episode_agency_invalid"),
    ({"scheduled_start": "2001-01-01T00:00:00+00:00"}, 422, "episode_start_in_past"),
    ({"scheduled_start": "2031-01-01T00:00:00"}, 422, "validation_failed"),  # no offset
    ({"title": ""}, 422, "validation_failed"),
    ({"place_kind": "moon"}, 422, "validation_failed"),
])
def test_bad_input_answers_a_clear_code_and_stores_nothing(login_as, agency, over, status, code):
    c = login_as("coordinator")
    before = snapshot()
    response = _post(c, "/api/v1/episodes", _body(agency, **over))
    assert response.status_code == status
    assert response.json["ok"] is False and response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert snapshot() == before


def test_wrong_role_and_wrong_state_are_refused(login_as, agency):
    episode = factories.episode("scheduled", agencies=[agency])
    db.session.commit()
    staff, public = login_as("agency_staff"), login_as("public")
    response = _post(staff, f"/api/v1/episodes/{episode.id}/transition", {"step": "publish"})
    assert response.status_code == 403 and response.json["error"]["code"] == "episode_transition_forbidden"
    response = _post(public, f"/api/v1/episodes/{episode.id}/transition", {"step": "go_live"})
    assert response.status_code == 403
    response = _post(staff, f"/api/v1/episodes/{episode.id}/transition", {"step": "end"})
    assert response.status_code == 409 and response.json["error"]["code"] == "episode_state_invalid"
    response = _post(staff, f"/api/v1/episodes/{episode.id}", {"title": "x"}, "patch")
    assert response.status_code == 403 and response.json["error"]["code"] == "episode_coordinator_only"
    response = _post(staff, f"/api/v1/episodes/{episode.id}/transition", {"step": "go_live"})
    assert response.status_code == 200 and response.json["data"]["state"] == "live"


def test_other_agencies_drafts_are_not_found_for_writes(login_as, users):
    draft = factories.episode("draft", agencies=[factories.agency()])
    db.session.commit()
    staff = login_as("agency_staff")
    response = _post(staff, f"/api/v1/episodes/{draft.id}/transition", {"step": "go_live"})
    assert response.status_code == 404 and response.json["error"]["code"] == "episode_not_found"
    assert _post(staff, f"/api/v1/episodes/{draft.id}/reminder", None).status_code == 404


def test_reminder_on_and_off(login_as, users):
    episode = factories.episode("scheduled")
    db.session.commit()
    c = login_as("public")
    assert _post(c, f"/api/v1/episodes/{episode.id}/reminder", None).json["data"] == \
        {"episode_id": episode.id, "following": True}
    assert _post(c, f"/api/v1/episodes/{episode.id}/reminder", None).status_code == 200  # idempotent
    assert _post(c, f"/api/v1/episodes/{episode.id}/reminder", None, "delete").json["data"]["following"] is False


def test_unknown_step_is_refused(login_as):
    episode = factories.episode("scheduled")
    db.session.commit()
    response = _post(login_as("coordinator"), f"/api/v1/episodes/{episode.id}/transition", {"step": "explode"})
    assert response.status_code == 422 and "step" in response.json["error"]["details"]["fields"]["json"]
    assert db.session.get(Episode, episode.id).state == "scheduled"
