"""Live results over the /polls namespace: batched, and nothing countable while counts are hidden."""
from __future__ import annotations

from app.core import clock
from app.core.auth import actor_for
from app.core.db import unit_of_work
from app.extensions import db
from app.polls import live, services
from tests import factories
from tests.conftest import socket_client


def results_events(client) -> list[dict]:
    return [e["args"][0] for e in client.get_received("/polls") if e["name"] == "results"]


def test_watch_answers_with_the_results_and_batches_updates(world, app):
    watcher = socket_client(app, namespace="/polls")
    ack = watcher.emit("watch", {"poll_id": world["poll"].id}, namespace="/polls", callback=True)
    assert ack["ok"] is True and ack["results"]["total"] == 0
    voters = [factories.user() for _ in range(30)]
    db.session.commit()
    for voter in voters:  # 30 votes, one commit each
        with unit_of_work():
            services.vote(actor_for(voter), world["poll"].id, world["topics"][1], now=clock.now())

    live.flush(app)

    events = results_events(watcher)
    assert len(events) == 1  # one batch, whatever the vote rate
    results = events[0]["results"]
    assert results["total"] == 30 and results["topics"][1]["online"] == 30 and results["voters"] == 30
    assert live.flush(app) == 0  # nothing new, nothing sent


def test_hidden_counts_are_never_broadcast_while_open(world, app):
    world["poll"].counts_visible = False
    db.session.commit()
    watcher = socket_client(app, namespace="/polls")
    ack = watcher.emit("watch", {"poll_id": world["poll"].id}, namespace="/polls", callback=True)
    assert ack["results"] == {"poll_id": world["poll"].id, "state": "open", "counts_visible": False}
    with unit_of_work():
        services.vote(world["actors"]["public"], world["poll"].id, world["topics"][0], now=clock.now())
    live.flush(app)
    assert results_events(watcher) == []

    from app.polls.jobs import open_and_close_polls

    with unit_of_work():
        open_and_close_polls(world["poll"].closes_at)
    live.flush(app)
    (event,) = results_events(watcher)
    assert event["results"]["state"] == "closed" and event["results"]["total"] == 1


def test_watch_refuses_bad_payloads_and_drafts(world, app):
    from tests.polls.conftest import make_poll

    draft = make_poll("draft", domain=factories.domain())
    db.session.commit()
    watcher = socket_client(app, namespace="/polls")
    bad = watcher.emit("watch", {"poll_id": "x"}, namespace="/polls", callback=True)
    assert bad["ok"] is False and bad["error"]["code"] == "bad_payload"
    hidden = watcher.emit("watch", {"poll_id": draft.id}, namespace="/polls", callback=True)
    assert hidden["ok"] is False and hidden["error"]["code"] == "poll_not_found"
    unknown = watcher.emit("shout", {}, namespace="/polls", callback=True)
    assert unknown["error"]["code"] == "unknown_event"
    assert watcher.is_connected("/polls")
