"""Socket.IO on the real server (gevent + websockets): a python-socketio client connects,
uses the /live namespace, and disconnects cleanly."""
from __future__ import annotations

import pytest
import requests
import socketio

pytestmark = pytest.mark.live_server


def _server_errors(live_server, since: int) -> list[str]:
    """Error lines the server logged since byte offset `since`."""
    markers = ("Traceback", "Expected GET method", "ERROR:")
    return [line for line in live_server.log_text(since).splitlines()
            if any(m in line for m in markers)]


@pytest.mark.parametrize("transports", [["websocket"], ["polling", "websocket"]],
                         ids=["websocket", "polling-upgrade"])
def test_client_connects_and_disconnects(live_server, transports):
    since = live_server.log_size()
    client = socketio.Client(reconnection=False)
    events = []
    client.on("connect", lambda: events.append("connect"))
    client.on("disconnect", lambda *args: events.append("disconnect"))
    client.connect(live_server.url, transports=transports, wait_timeout=10)
    try:
        assert client.connected and client.sid
        assert "/" in client.namespaces
        if transports == ["websocket"]:
            assert client.transport() == "websocket"
    finally:
        client.disconnect()
    client.wait()  # returns once the client's background tasks ended
    assert events == ["connect", "disconnect"]
    assert not client.connected
    assert _server_errors(live_server, since) == []


def test_live_namespace_join_over_websocket(live_server):
    """The /live namespace answers a join for a demo episode with an ok ack."""
    since = live_server.log_size()
    # Any public demo episode: other tests on this shared server may have put the scheduled one live.
    listed = requests.get(f"{live_server.url}/api/v1/episodes", timeout=10)
    assert listed.ok, listed.text
    assert listed.json()["data"], "the demo data has no public episode"
    episode_id = listed.json()["data"][0]["id"]

    client = socketio.Client(reconnection=False)
    client.connect(live_server.url, namespaces=["/live"], transports=["websocket"], wait_timeout=10)
    try:
        assert "/live" in client.namespaces
        answer = client.call("join", {"episode_id": episode_id}, namespace="/live", timeout=10)
        assert answer["ok"] is True, answer
        assert answer["episode"]["id"] == episode_id
        missing = client.call("join", {"episode_id": 10**9}, namespace="/live", timeout=10)
        assert missing["ok"] is False and missing["error"]["code"] == "episode_not_found", missing
    finally:
        client.disconnect()
    client.wait()
    assert _server_errors(live_server, since) == []
