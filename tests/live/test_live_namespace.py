"""The /live namespace: joining rooms, role checks, and malformed payloads."""
from __future__ import annotations

import pytest

from app.extensions import db
from tests import factories
from tests.conftest import socket_client


@pytest.fixture
def episodes(app):
    """A public (scheduled) episode and a draft one."""
    public = factories.episode(state="scheduled")
    draft = factories.episode(state="draft")
    db.session.commit()
    return public, draft


def _socket(app, http_client=None):
    return socket_client(app, http_client)


def test_anonymous_viewer_joins_a_public_episode(app, episodes):
    public, _ = episodes
    ack = _socket(app).emit("join", {"episode_id": public.id}, namespace="/live", callback=True)
    assert ack["ok"] is True
    assert ack["episode"]["id"] == public.id and ack["episode"]["state"] == "scheduled"
    assert ack["comments"] == [] and ack["more"] is False


def test_draft_is_not_found_for_the_public_but_joinable_by_the_coordinator(app, episodes, login_as):
    _, draft = episodes
    public_ack = _socket(app, login_as("public")).emit("join", {"episode_id": draft.id},
                                                       namespace="/live", callback=True)
    assert public_ack["ok"] is False and public_ack["error"]["code"] == "episode_not_found"
    coord_ack = _socket(app, login_as("coordinator")).emit("join", {"episode_id": draft.id},
                                                           namespace="/live", callback=True)
    assert coord_ack["ok"] is True


@pytest.mark.parametrize("payload", ["text", 42, ["episode_id", 1], None, {"episode_id": "1"},
                                     {"episode_id": -3}, {"episode_id": True}, {"episode_id": 10**30},
                                     {"other": 1}])
def test_malformed_payloads_get_a_failed_ack_and_the_connection_stays(app, episodes, payload):
    client = _socket(app)
    ack = client.emit("join", payload, namespace="/live", callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] in {"bad_payload", "episode_not_found"}
    assert client.is_connected("/live")
    public, _ = episodes
    assert client.emit("join", {"episode_id": public.id}, namespace="/live", callback=True)["ok"] is True


def test_unknown_events_and_extra_arguments_are_refused_politely(app, episodes):
    client = _socket(app)
    assert client.emit("drop_tables", {}, namespace="/live", callback=True)["error"]["code"] == "unknown_event"
    public, _ = episodes
    assert client.emit("join", {"episode_id": public.id}, "extra", namespace="/live", callback=True)["ok"] is True
    assert client.is_connected("/live")
