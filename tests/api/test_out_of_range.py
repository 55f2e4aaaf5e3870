"""Absurd numbers are bad input, not server errors (found by tests/api/test_schemathesis.py)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.core import clock
from app.extensions import db
from app.observers.models import Invitation
from tests import factories

HUGE = 2**70


def coordinator_token() -> str:
    user = factories.user("coordinator")
    _token, secret = accounts.issue_token(user, "script", now=clock.now())
    db.session.commit()
    return secret


def test_a_huge_id_in_the_path_is_not_found(app, client):
    for path in (f"/api/v1/follow-ups/{HUGE}", f"/api/v1/polls/{2**31}", f"/findings/{HUGE}"):
        response = client.get(path)

        assert response.status_code == 404, path


def test_a_huge_id_on_a_write_route_is_not_found_not_method_not_allowed(app, client):
    response = client.post(f"/api/v1/follow-ups/{HUGE}/revisions", json={"body": "x", "reason": "y"},
                           headers={"Authorization": f"Bearer {coordinator_token()}"})

    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_a_huge_number_in_the_body_is_refused_and_nothing_is_stored(app, client):
    episode = factories.episode("scheduled", start=clock.now() + timedelta(days=2))
    db.session.commit()

    response = client.post(f"/api/v1/episodes/{episode.id}/invitations", json={"observer_id": -HUGE},
                           headers={"Authorization": f"Bearer {coordinator_token()}"})

    assert response.status_code == 422
    assert response.json["ok"] is False
    assert response.json["error"]["code"] == "value_out_of_range"
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_the_id_bound_is_documented(app, client):
    parameter = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/polls/{poll_id}"]["parameters"][0]

    assert parameter["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
