"""Home page, language switch and /healthz."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import text

from app.core import clock, leansocket, wire
from app.extensions import db, socketio
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
    """Database and scheduler status, and how live frames go out, as JSON (200 when the database answers)."""
    status: dict = {"database": "ok", "scheduler": {"mode": current_app.config["SCHEDULER_MODE"]}}
    code = 200
    try:
        db.session.execute(text("SELECT 1"))
        beat = db.session.get(Heartbeat, "scheduler")
    except Exception:  # report, never raise: this is what monitors call
        db.session.rollback()
        status["database"] = "error"
        beat, code = None, 503
    if beat is not None:
        age = (clock.now() - beat.beat_at).total_seconds()
        status["scheduler"].update(last_beat=beat.beat_at.isoformat(), holder=beat.holder,
                                   state="ok" if age < timedelta(minutes=2).total_seconds() else "stale")
    else:
        status["scheduler"]["state"] = "not_started"
    status["live"] = {"direct_frames": wire.installed(socketio), "frames": wire.stats(),
                      "lean_sockets": leansocket.installed(socketio)}
    status["ok"] = code == 200
    return jsonify(status), code
