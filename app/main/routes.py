"""Home page, language switch and /healthz."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import text

from app.core import clock, leansocket, redisclient, wire
from app.core.deadline import deadline
from app.extensions import db, socketio
from app.live import relay
from app.live.ordering import order
from app.main.queries import home_page
from app.notifications.models import Heartbeat

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """Live now, coming up, the open poll, recent follow-ups."""
    return render_template("main/home.html", page=home_page(clock.now()), now=clock.now())


@bp.route("/lang/<code>")
def set_language(code: str):
    """Switch the UI language and go back where the user was."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.referrer or ""
    host = request.host_url
    return redirect(target if target.startswith(host) else url_for("main.home"))


@bp.route("/healthz")
def healthz():
    """Database, Redis and scheduler status as JSON: 200 while every dependency answers, else 503.

    Each check has HEALTHZ_TIMEOUT seconds, so a frozen server makes this answer "unavailable"
    quickly instead of hanging the monitor (docs/outages.md).
    """
    timeout = float(current_app.config.get("HEALTHZ_TIMEOUT", 2.0))
    status: dict = {"database": "ok", "scheduler": {"mode": current_app.config["SCHEDULER_MODE"]}}
    code = 200
    try:
        with deadline(timeout):
            db.session.execute(text("SELECT 1"))
            beat = db.session.get(Heartbeat, "scheduler")
    except Exception:  # report, never raise: this is what monitors call
        db.session.rollback()
        status["database"] = "unavailable"
        beat, code = None, 503
    answered: dict[str, bool] = {}  # server → PING answered: one timeout per server, not per database
    for name, key in (("redis", "REDIS_URL"), ("message_queue", "SOCKETIO_MESSAGE_QUEUE")):
        url = current_app.config.get(key)
        if url and url.startswith(("redis://", "rediss://")):
            server = redisclient.server(url)
            if server not in answered:
                answered[server] = redisclient.ping(url, timeout)
            ok = answered[server] and (name != "message_queue" or relay.subscribed() is not False)
            status[name] = "ok" if ok else "unavailable"  # the queue: also this process's relay subscribed
            code = 503 if status[name] != "ok" else code
    if beat is not None:
        age = (clock.now() - beat.beat_at).total_seconds()
        status["scheduler"].update(last_beat=beat.beat_at.isoformat(), holder=beat.holder,
                                   state="ok" if age < timedelta(minutes=2).total_seconds() else "stale")
    else:
        status["scheduler"]["state"] = "not_started"
    status["live"] = {"direct_frames": wire.installed(socketio), "frames": wire.stats(),
                      "relay_waiting": relay.waiting(), "lean_sockets": leansocket.installed(socketio),
                      "ordering": order.stats()}
    status["ok"] = code == 200
    return jsonify(status), code
