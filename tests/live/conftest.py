"""Fixtures of the live-room tests: a live episode with its host, and clean in-process state."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import clock
from app.extensions import db, socketio
from app.live import broadcast, likecounters, presence, views, words
from app.live import events as live_events
from tests import factories
from tests.conftest import socket_client


@pytest.fixture(autouse=True)
def _clean_live_state(app):
    """Each test starts with empty batches, rooms, counters and word cache."""
    broadcast.reset()
    presence.reset()
    likecounters.counter().reset()
    views.ledger().reset()
    live_events.reset_state()
    words.invalidate()
    yield
    broadcast.reset()


@pytest.fixture
def live(app, users):
    """A live episode (started 10 minutes ago) hosted by a user of its own."""
    host = factories.user("public", username="host_u")
    ep = factories.episode(state="live", host_user_id=host.id)
    ep.live_at = clock.now() - timedelta(minutes=10)
    db.session.commit()
    return ep


def sock(app, http_client=None):
    """A connected /live test client."""
    return socket_client(app, http_client)


def flush() -> int:
    """Send every pending batch now (the background loop is off in the suite)."""
    return broadcast.batcher.flush(socketio)


def batches(client) -> list[dict]:
    """The `batch` events a test client received since the last call."""
    return [e["args"][0] for e in client.get_received("/live") if e["name"] == "batch"]


def items(client) -> list[dict]:
    """Every batched item a client received since the last call."""
    return [item for b in batches(client) for item in b.get("items", [])]
