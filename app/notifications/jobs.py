"""The scheduler's own sign of life: a heartbeat row that /healthz reads in any process."""
from __future__ import annotations

import os
import socket

from app.extensions import db
from app.notifications.models import Heartbeat
from app.scheduler import sweep


@sweep("heartbeat", 30)
def heartbeat(now) -> None:
    """Record that the scheduler is alive, for /healthz in any process."""
    beat = db.session.get(Heartbeat, "scheduler")
    holder = f"{socket.gethostname()}:{os.getpid()}"
    if beat is None:
        db.session.add(Heartbeat(name="scheduler", beat_at=now, holder=holder))
    else:
        beat.beat_at, beat.holder = now, holder
