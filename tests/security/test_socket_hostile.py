"""Hostile packets on the real server's websockets: every event answers a failed ack with a stable
code, the connection stays usable, nothing is stored; a message past the transport limit closes
only its own connection.

Raw Engine.IO/Socket.IO frames (websocket-client), because a Socket.IO client library only sends
well-formed JSON: duplicate keys, NaN or broken syntax cannot be written with one.
"""
from __future__ import annotations

import json

import pytest
import requests
import websocket

from app.core.sockets import MAX_PACKET_CHARS
from app.core.strictjson import MAX_DEPTH
from tests.security.test_socket_authorization import handled_events

#: label → (the event's argument text as sent, the code of the failed ack)
PACKETS = {
    "nested 5,000 deep": ("[" * 5000 + "]" * 5000, "body_too_deep"),
    "unclosed nesting 50,000 deep": ("[" * 50_000, "body_too_deep"),
    "an object one level past the limit": ('{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1),
                                           "body_too_deep"),
    "a 5,000-digit id": ('{"episode_id": 1' + "0" * 5000 + "}", "bad_request"),
    "a float past its range": ('{"episode_id": 1e999}', "number_too_large"),
    "NaN": ('{"episode_id": NaN}', "number_too_large"),
    "duplicate keys": ('{"episode_id": 1, "episode_id": 2}', "duplicate_key"),
    "half a surrogate pair": ('{"body": "\\ud83d"}', "bad_encoding"),
    "broken syntax": ('{"episode_id": ', "bad_request"),
    "a payload past the packet limit": ('{"body": "' + "x" * MAX_PACKET_CHARS + '"}', "payload_too_large"),
}


class RawSocket:
    """One websocket speaking Engine.IO 4 / Socket.IO 5 by hand, connected to both namespaces."""

    def __init__(self, server) -> None:
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=20)
        assert self.ws.recv().startswith("0")  # engine.io open
        self.next_id = 1
        for namespace in ("/live", "/polls"):
            self.ws.send(f"40{namespace},")
            self.wait(lambda m, ns=namespace: m.startswith(f"40{ns},"))

    def wait(self, wanted) -> str:
        """Read (answering pings) until a message that `wanted` accepts."""
        while True:
            message = self.ws.recv()
            if message == "2":
                self.ws.send("3")
            elif wanted(message):
                return message

    def call_raw(self, namespace: str, event: str, argument_text: str) -> dict:
        """Send an event whose argument is `argument_text` verbatim; return its ack."""
        ack_id, self.next_id = self.next_id, self.next_id + 1
        self.ws.send(f'42{namespace},{ack_id}["{event}",{argument_text}]')
        prefix = f"43{namespace},{ack_id}"
        return json.loads(self.wait(lambda m: m.startswith(prefix + "["))[len(prefix):])[0]


@pytest.fixture
def raw(live_server):
    sock = RawSocket(live_server)
    yield sock
    sock.ws.close()


def test_every_event_answers_every_hostile_packet_with_a_failed_ack(app, live_server, raw):
    events = sorted(handled_events())
    assert len(events) >= 10
    before = requests.get(f"{live_server.url}/api/v1/episodes", timeout=10).json()

    for namespace, event in events:
        for label, (text, code) in PACKETS.items():
            ack = raw.call_raw(namespace, event, text)

            assert ack["ok"] is False, (namespace, event, label)
            assert ack["error"]["code"] == code, (namespace, event, label, ack)
            assert ack["error"]["message"]

    # the same connection still works, and the refusals are in the viewer's language (zh)
    ack = raw.call_raw("/polls", "watch", '{"poll_id": 2147483647}')
    assert ack["ok"] is False and ack["error"]["code"] == "poll_not_found"
    assert raw.call_raw("/live", "join", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")[
        "error"]["message"] == "请求内容的嵌套超过 32 层。"
    after = requests.get(f"{live_server.url}/api/v1/episodes", timeout=10).json()
    assert after == before  # nothing changed: no episode's counters moved


def test_a_message_past_the_transport_limit_closes_only_its_own_connection(live_server, raw):
    other = RawSocket(live_server)
    try:
        big = '{"body": "' + "x" * 1_100_000 + '"}'  # over engine.io's 1,000,000-byte maxPayload
        raw.ws.send(f'42/live,1["comment",{big}]')
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError, OSError)):
            raw.wait(lambda m: m.startswith("43/live,1"))

        ack = other.call_raw("/polls", "watch", '{"poll_id": 2147483647}')
        assert ack["error"]["code"] == "poll_not_found"  # the other viewer carried on
        assert requests.get(f"{live_server.url}/healthz", timeout=10).status_code == 200
    finally:
        other.ws.close()


def test_a_text_frame_that_is_not_utf8_closes_only_its_own_connection(live_server, raw):
    other = RawSocket(live_server)
    try:
        raw.ws.send(b'42/live,1["comment",{"body":"\xff\xfe"}]', opcode=websocket.ABNF.OPCODE_TEXT)
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError, OSError)):
            raw.wait(lambda m: m.startswith("43/live,1"))

        ack = other.call_raw("/polls", "watch", '{"poll_id": 2147483647}')
        assert ack["error"]["code"] == "poll_not_found"
    finally:
        other.ws.close()
