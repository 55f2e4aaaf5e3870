"""/healthz: what monitors see about the database and the scheduler."""
from __future__ import annotations

from datetime import timedelta

from app import scheduler
from app.core import clock
from app.extensions import db
from app.notifications.models import Heartbeat


def health(client) -> dict:
    response = client.get("/healthz")
    assert response.mimetype == "application/json"
    return response.status_code, response.json


def test_database_ok_and_scheduler_not_started(app, client):
    status, body = health(client)

    assert status == 200
    assert body["ok"] is True
    assert body["database"] == "ok"
    assert body["scheduler"] == {"mode": "off", "state": "not_started"}


def test_scheduler_ok_after_a_heartbeat(app, client):
    before = clock.now()
    scheduler.run_all_once(app)

    status, body = health(client)

    assert status == 200
    assert body["scheduler"]["state"] == "ok"
    assert body["scheduler"]["holder"]  # host:pid of the process that beat
    beat = db.session.get(Heartbeat, "scheduler")
    assert beat.beat_at >= before
    assert body["scheduler"]["last_beat"] == beat.beat_at.isoformat()


def test_scheduler_stale_when_the_beat_is_old(app, client):
    db.session.add(Heartbeat(name="scheduler", beat_at=clock.now() - timedelta(minutes=3), holder="old:1"))
    db.session.commit()

    status, body = health(client)

    assert status == 200  # the site still serves; monitors read the state
    assert body["scheduler"]["state"] == "stale"
    assert body["scheduler"]["holder"] == "old:1"


def test_a_new_heartbeat_makes_a_stale_scheduler_ok_again(app, client):
    db.session.add(Heartbeat(name="scheduler", beat_at=clock.now() - timedelta(hours=1), holder="old:1"))
    db.session.commit()

    scheduler.run_all_once(app)

    assert health(client)[1]["scheduler"]["state"] == "ok"
    assert db.session.query(Heartbeat).count() == 1


def test_healthz_needs_no_login_and_sets_no_cookie(app, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_redis_is_reported_ok_while_it_answers_and_unavailable_once_it_stops(app, client, monkeypatch,
                                                                            tmp_path):
    """A real redis-server, stopped under the site: /healthz says so with a 503, then ok again."""
    from app.core import redisclient
    from tests.live_server import _stop, start_redis

    process, port = start_redis(tmp_path)
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{port}/1")
    try:
        status, body = health(client)
        assert (status, body["redis"], body["ok"]) == (200, "ok", True)

        _stop(process)
        status, body = health(client)
        assert (status, body["redis"], body["database"], body["ok"]) == (503, "unavailable", "ok", False)

        process, _ = start_redis(tmp_path, port)
        status, body = health(client)
        assert (status, body["redis"], body["ok"]) == (200, "ok", True)
    finally:
        _stop(process)
        redisclient.reset()
