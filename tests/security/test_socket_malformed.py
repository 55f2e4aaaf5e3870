"""Malformed Socket.IO payloads for every event: a failed ack with a clear code, nothing stored,
and the connection keeps working (the next valid event succeeds).

Sent as the coordinator, who may send every event: a refusal here is about the payload, not the role.
"""
from __future__ import annotations

import pytest

from app.core.sockets import MAX_PACKET_CHARS
from app.extensions import db
from app.live.models import Comment
from tests.security.helpers import snapshot
from tests.security.socket_world import (add_comment, add_muted_user, add_user, build_world, http_clients,
                                         outcome, reset_live_state)
from tests.security.test_socket_authorization import handled_events
from tests.conftest import socket_client

HUGE = "评" * 350_000  # about 1 MB in UTF-8
NOT_OBJECTS = ["text", 42, 3.5, True, [1, 2], b"\x00\x01binary", HUGE]
LONG_DIGITS = "9" * 10_000
BAD_IDS = ["1", 1.5, True, False, 0, -1, 2**31, 10**30, None, [1], {"id": 1}, LONG_DIGITS]

#: event → (namespace, valid payload builder, {field: (bad values, accepted codes)}).
#: Every event has at least one required id: `{}` must be refused with bad_payload.
ID = (BAD_IDS, {"bad_payload"})
BODY = ([None, 123, ["x"], {"x": 1}, "", "   ", "\x00\x07", HUGE],
        {"comment_not_text", "comment_empty", "comment_binary", "comment_too_long"})
EVENTS = {
    "join": ("/live", lambda w: {"episode_id": w["live"]},
             {"episode_id": ID, "last_seq": (["1", -1, 1.5, True, 10**30, LONG_DIGITS], {"bad_payload"})}),
    "leave": ("/live", lambda w: {"episode_id": w["live"]}, {"episode_id": ID}),
    "comment": ("/live", lambda w: {"episode_id": w["live"], "body": "正常评论"},
                {"episode_id": ID, "body": BODY,
                 "kind": ([1, None, "admin", "question" * 1000, ["question"]], {"comment_kind_invalid"})}),
    "like": ("/live", lambda w: {"episode_id": w["live"]},
             {"episode_id": ID, "count": (["3", 0, -1, 51, 10**30, 2.5, True, LONG_DIGITS], {"bad_payload"})}),
    "upvote": ("/live", lambda w: {"comment_id": add_comment(w)}, {"comment_id": ID}),
    "answer": ("/live", lambda w: {"comment_id": add_comment(w), "body": "已复查"}, {"comment_id": ID, "body": BODY}),
    "pin": ("/live", lambda w: {"episode_id": w["live"], "comment_id": add_comment(w)},
            {"episode_id": ID, "comment_id": (BAD_IDS[:-4], {"bad_payload"}),
             "note_id": (BAD_IDS[:-4], {"bad_payload"})}),
    "approve": ("/live", lambda w: {"comment_id": add_comment(w, state="held")}, {"comment_id": ID}),
    "hide": ("/live", lambda w: {"comment_id": add_comment(w)}, {"comment_id": ID}),
    "unhide": ("/live", lambda w: {"comment_id": add_comment(w, state="hidden")}, {"comment_id": ID}),
    "held": ("/live", lambda w: {"episode_id": w["live"]}, {"episode_id": ID}),
    "mute": ("/live", lambda w: {"episode_id": w["live"], "user_id": add_user()},
             {"episode_id": ID, "user_id": ID}),
    "unmute": ("/live", lambda w: {"episode_id": w["live"], "user_id": add_muted_user(w)},
               {"episode_id": ID, "user_id": ID}),
    "ban": ("/live", lambda w: {"user_id": add_user()}, {"user_id": ID}),
    "unban": ("/live", lambda w: {"user_id": add_user(banned=True)}, {"user_id": ID}),
    "slow_mode": ("/live", lambda w: {"episode_id": w["live"], "seconds": 5},
                  {"episode_id": ID, "seconds": (["5", None, -1, 601, 10**30, 2.5, True, LONG_DIGITS, [5]],
                                                 {"slow_mode_invalid", "bad_payload"})}),
    "watch": ("/polls", lambda w: {"poll_id": w["open_poll"]}, {"poll_id": ID}),
    "unwatch": ("/polls", lambda w: {"poll_id": w["open_poll"]}, {"poll_id": ID}),
}
#: Absent optional fields are fine: they are not "missing".
OPTIONAL = {"last_seq", "kind", "count", "comment_id", "note_id"}


def test_every_event_has_malformed_payload_cases(app):
    assert {(ns, event) for event, (ns, *_rest) in EVENTS.items()} == handled_events()


@pytest.fixture
def world(app, users):
    reset_live_state()
    yield build_world(users)
    reset_live_state()


def malformed(event: str, world: dict):
    """(label, payload, accepted codes) for every broken variant of event's valid payload."""
    _ns, valid, fields = EVENTS[event]
    base = valid(world)  # one target: every variant is refused, so it stays as it was
    for value in NOT_OBJECTS:
        yield f"not an object: {str(value)[:20]!r}", value, {"bad_payload"} | too_large(value)
    yield "empty object", {}, {"bad_payload"}
    for field, (values, codes) in fields.items():
        if field not in OPTIONAL:
            payload = dict(base)
            payload.pop(field, None)
            yield f"without {field}", payload, codes
        for value in values:
            yield f"{field}={str(value)[:20]!r}", {**base, field: value}, codes | too_large(value)


def too_large(value) -> set[str]:
    """A value past the 64 KB packet limit may be refused as such, before its field is read."""
    return {"payload_too_large"} if isinstance(value, str) and len(value) * 6 > MAX_PACKET_CHARS else set()


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_malformed_payloads_are_refused_and_the_connection_survives(app, users, world, event):
    namespace = EVENTS[event][0]
    coordinator = http_clients(app, users, world, ("coordinator",))["coordinator"]
    client = socket_client(app, coordinator, namespace=namespace)
    probe, probe_payload = ("join", {"episode_id": world["live"]}) if namespace == "/live" else (
        "watch", {"poll_id": world["open_poll"]})
    assert outcome(client.emit(probe, probe_payload, namespace=namespace, callback=True)) == "ok"
    cases = list(malformed(event, world))  # builds the targets before the snapshot
    before = snapshot()
    problems = []

    for label, payload, codes in cases:
        got = outcome(client.emit(event, payload, namespace=namespace, callback=True))
        if got not in codes:
            problems.append(f"{event} {label}: {got}, expected one of {sorted(codes)}")
        if not client.is_connected(namespace):
            problems.append(f"{event} {label}: disconnected")
            break
        if outcome(client.emit(probe, probe_payload, namespace=namespace, callback=True)) != "ok":
            problems.append(f"{event} {label}: the next valid event failed")

    assert problems == []
    assert snapshot() == before, "a refused event stored something"
    # The valid payload still works on the same connection.
    assert outcome(client.emit(event, EVENTS[event][1](world), namespace=namespace, callback=True)) == "ok"


@pytest.mark.parametrize("namespace", ["/live", "/polls"])
@pytest.mark.parametrize("event", ["drop_tables", "trigger_event", "on_join", "_join", "__init__", "x" * 10_000,
                                   "batch", "results", "state"])
def test_unknown_events_are_refused_and_the_connection_survives(app, world, namespace, event):
    client = socket_client(app, namespace=namespace)

    ack = client.emit(event, {"episode_id": world["live"]}, namespace=namespace, callback=True)

    assert outcome(ack) == "unknown_event"
    assert client.is_connected(namespace)
    probe = ("join", {"episode_id": world["live"]}) if namespace == "/live" else ("watch", {"poll_id": world["open_poll"]})
    assert outcome(client.emit(*probe, namespace=namespace, callback=True)) == "ok"


def test_extra_fields_cannot_forge_author_state_or_sequence(app, users, world):
    public = http_clients(app, users, world, ("public",))["public"]
    client = socket_client(app, public)
    forged = {"episode_id": world["live"], "body": "正常评论", "user_id": world["asker"], "state": "held",
              "seq": 999, "id": 12345, "upvotes": 100, "answer_body": "官方回复", "author_role": "coordinator",
              "extra": "评" * 5_000}  # within the 64 KB packet limit

    ack = client.emit("comment", forged, namespace="/live", callback=True)

    assert outcome(ack) == "ok" and ack["state"] == "published" and ack["seq"] == 1
    stored = db.session.get(Comment, ack["id"])
    assert (stored.user_id, stored.state, stored.seq, stored.upvotes, stored.answer_body) == (
        users["public"].id, "published", 1, 0, None)
    assert stored.body == "正常评论"


def test_extra_positional_arguments_are_ignored(app, world):
    client = socket_client(app, namespace="/polls")

    ack = client.emit("watch", {"poll_id": world["open_poll"]}, "extra", {"poll_id": 999}, namespace="/polls",
                      callback=True)

    assert outcome(ack) == "ok"
