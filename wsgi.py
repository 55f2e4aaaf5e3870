"""Entry point: `app` for gunicorn, `socketio` for the Socket.IO server, `python wsgi.py` for development."""
from __future__ import annotations

import os

if os.environ.get("ZHIBO_ASYNC", "gevent") == "gevent":
    # Patch before anything imports sockets or threads.
    import gevent
    from gevent import monkey

    monkey.patch_all()
    # No spawning stack and tree kept on every greenlet (a debugging aid): ≈ 1 KB per viewer.
    gevent.config.track_greenlet_tree = os.environ.get("GEVENT_TRACK_GREENLET_TREE", "0") not in ("", "0", "false")

from app import create_app  # noqa: E402
from app.extensions import socketio  # noqa: E402

app = create_app()

if os.environ.get("ZHIBO_ASYNC", "gevent") == "gevent":
    from app.core import gctune, probe

    gctune.tune(app.config["GC_THRESHOLDS"])  # no full-collection pauses among thousands of viewers
    probe.install(app, socketio)  # benchmarks only (PROBE_FILE): round trips and hub delay
    from app.core import memprobe

    memprobe.install()  # debug only: a no-op unless ZHIBO_MEMPROBE is set (bench/live/memory.py)

if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    from app.scheduler import start_in_process

    start_in_process(app)  # no-op unless SCHEDULER_MODE=inprocess; file-locked to one process
    if os.environ.get("ZHIBO_ASYNC", "gevent") == "gevent":
        from app.core.serving import serve_gevent

        serve_gevent(app, host, port)  # TCP_NODELAY, as gunicorn sets it in production
    else:
        socketio.run(app, host=host, port=port, use_reloader=False, log_output=False,
                     allow_unsafe_werkzeug=True)
