"""Who may send which Socket.IO event: every event of every namespace × every role, with the expected ack.

CASES must cover every `on_<event>` handler of every registered namespace: an event added without
declaring its access here fails test_every_socket_event_declares_its_access (as EXPECTED does for
routes in test_authorization.py). Each case builds fresh targets (comments, users) per call, so the
expected ack does not depend on which role went first.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest

from app.extensions import socketio
from tests.security.socket_world import (ROLES, add_comment, add_muted_user, add_user, build_world,
                                         http_clients, outcome, reset_live_state, sockets)

HOST_ONLY_ERROR = "live_host_only"


def everyone(result: str) -> dict[str, str]:
    return {role: result for role in ROLES}


def signed_in(result: str) -> dict[str, str]:
    return {**everyone(result), "anonymous": "login_required"}


def coordinators(refused: str, anonymous: str = "login_required") -> dict[str, str]:
    """Only the coordinator and admins succeed (the world's live episode has no host user)."""
    return {**everyone(refused), "anonymous": anonymous, "coordinator": "ok", "admin": "ok"}


Payload = Callable[[dict], object]

#: (namespace, event, what, payload builder, {role: "ok" | error code}).
CASES: list[tuple[str, str, str, Payload, dict[str, str]]] = [
    ("/live", "join", "the live episode", lambda w: {"episode_id": w["live"]}, everyone("ok")),
    ("/live", "join", "agency B's draft", lambda w: {"episode_id": w["draft_b"]},
     {**everyone("episode_not_found"), "other_agency_staff": "ok", "coordinator": "ok", "admin": "ok"}),
    ("/live", "leave", "the live episode", lambda w: {"episode_id": w["live"]}, everyone("ok")),
    ("/live", "comment", "a comment", lambda w: {"episode_id": w["live"], "body": "矩阵测试"}, signed_in("ok")),
    ("/live", "comment", "on agency B's draft", lambda w: {"episode_id": w["draft_b"], "body": "矩阵测试"},
     {**signed_in("episode_not_found"), "other_agency_staff": "episode_not_live",
      "coordinator": "episode_not_live", "admin": "episode_not_live"}),
    ("/live", "like", "the live episode", lambda w: {"episode_id": w["live"], "count": 3}, everyone("ok")),
    ("/live", "like", "agency B's draft", lambda w: {"episode_id": w["draft_b"], "count": 1},
     {**everyone("episode_not_found"), "other_agency_staff": "episode_not_live",
      "coordinator": "episode_not_live", "admin": "episode_not_live"}),
    ("/live", "upvote", "a question", lambda w: {"comment_id": add_comment(w)}, signed_in("ok")),
    ("/live", "answer", "a question in agency A's episode",
     lambda w: {"comment_id": add_comment(w), "body": "三十天内复查"},
     {**coordinators("answer_forbidden"), "agency_staff": "ok"}),
    ("/live", "answer", "a question in agency B's episode",
     lambda w: {"comment_id": add_comment(w, episode="live_b"), "body": "三十天内复查"},
     {**coordinators("answer_forbidden"), "other_agency_staff": "ok"}),
    ("/live", "pin", "a comment", lambda w: {"episode_id": w["live"], "comment_id": add_comment(w)},
     coordinators(HOST_ONLY_ERROR)),
    ("/live", "approve", "a held comment", lambda w: {"comment_id": add_comment(w, state="held")},
     coordinators(HOST_ONLY_ERROR)),
    ("/live", "hide", "a comment", lambda w: {"comment_id": add_comment(w), "reason": "广告"},
     coordinators(HOST_ONLY_ERROR)),
    ("/live", "unhide", "a hidden comment", lambda w: {"comment_id": add_comment(w, state="hidden")},
     coordinators(HOST_ONLY_ERROR)),
    ("/live", "held", "the live episode", lambda w: {"episode_id": w["live"]}, coordinators(HOST_ONLY_ERROR)),
    ("/live", "mute", "a viewer", lambda w: {"episode_id": w["live"], "user_id": add_user()},
     coordinators(HOST_ONLY_ERROR)),
    ("/live", "unmute", "a muted viewer", lambda w: {"episode_id": w["live"], "user_id": add_muted_user(w)},
     coordinators(HOST_ONLY_ERROR)),
    ("/live", "ban", "a viewer", lambda w: {"user_id": add_user(), "reason": "spam"},
     coordinators("live_moderator_only")),
    ("/live", "unban", "a banned viewer", lambda w: {"user_id": add_user(banned=True)},
     coordinators("live_moderator_only")),
    ("/live", "slow_mode", "off", lambda w: {"episode_id": w["live"], "seconds": 0}, coordinators(HOST_ONLY_ERROR)),
    ("/polls", "watch", "an open poll", lambda w: {"poll_id": w["open_poll"]}, everyone("ok")),
    ("/polls", "watch", "a draft poll", lambda w: {"poll_id": w["draft_poll"]},
     {**everyone("poll_not_found"), "coordinator": "ok", "admin": "ok"}),
    ("/polls", "unwatch", "an open poll", lambda w: {"poll_id": w["open_poll"]}, everyone("ok")),
]


def handled_events() -> set[tuple[str, str]]:
    """(namespace, event) of every on_<event> handler the Socket.IO server has."""
    found = set()
    for namespace, handler in socketio.server.namespace_handlers.items():
        for name in dir(handler):
            if name.startswith("on_") and name not in ("on_connect", "on_disconnect") and callable(
                    getattr(handler, name)):
                found.add((namespace, name[3:]))
    return found


def test_every_socket_event_declares_its_access(app):
    declared = {(namespace, event) for namespace, event, *_ in CASES}

    assert sorted(handled_events() - declared) == [], "add these events to CASES"
    assert sorted(declared - handled_events()) == [], "these events no longer exist"
    assert {ns for ns, _ in declared} == {"/live", "/polls"}


@pytest.fixture
def world(app, users):
    reset_live_state()
    yield build_world(users)
    reset_live_state()


@pytest.mark.parametrize("namespace", ["/live", "/polls"])
def test_every_socket_event_for_every_role(app, users, world, namespace):
    http = http_clients(app, users, world)
    clients = sockets(app, http, namespace)
    mismatches = []

    for case_namespace, event, what, payload, expected in CASES:
        if case_namespace != namespace:
            continue
        assert set(expected) == set(ROLES), f"{event} ({what}) must name every role"
        for role in ROLES:
            ack = clients[role].emit(event, payload(world), namespace=namespace, callback=True)
            got = outcome(ack)
            if got != expected[role]:
                mismatches.append(f"{event} ({what}) as {role}: {got}, expected {expected[role]}")
            if not clients[role].is_connected(namespace):
                mismatches.append(f"{event} ({what}) as {role}: the connection was closed")

    assert mismatches == []
