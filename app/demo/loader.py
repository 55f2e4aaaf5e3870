"""`flask demo load`: fill an empty database with a realistic program, in one transaction."""
from __future__ import annotations

import random
from datetime import datetime

import click
from sqlalchemy import select

from app.accounts.models import User
from app.agencies.models import Agency
from app.core.db import unit_of_work
from app.demo import build_base, build_episodes, build_followups, build_library, build_oversight, build_polls
from app.demo.data.episodes_early import EARLY
from app.demo.data.episodes_recent import RECENT, UPCOMING
from app.extensions import db

#: One shared password for every demo account (printed by `flask demo load`).
DEMO_PASSWORD = "zhibo-demo-2026"
#: (username, role) of the demo logins; the citizen accounts citizen02… are left out.
DEMO_LOGINS: list[tuple[str, str]] = [
    ("sfj", "coordinator"),
    ("admin", "admin"),
    ("scjg", "agency_staff"),
    ("yjgl", "agency_staff"),
    ("cgj", "agency_staff"),
    ("xfjy", "agency_staff"),
    ("sthj", "agency_staff"),
    ("wjj", "agency_staff"),
    ("zjj", "agency_staff"),
    ("wgly", "agency_staff"),
    ("observer", "observer"),
    ("citizen01", "public"),
]


class DemoNotEmpty(click.ClickException, RuntimeError):
    """The database already has data; the demo loads only into an empty one."""


def database_is_empty() -> bool:
    """True when there is no user and no agency yet."""
    return (db.session.scalar(select(User.id).limit(1)) is None
            and db.session.scalar(select(Agency.id).limit(1)) is None)


def load_demo(now: datetime, if_empty: bool = False) -> bool:
    """Load the demo program; False (if_empty) or DemoNotEmpty when the database has data."""
    if now.tzinfo is None:
        raise ValueError("load_demo needs a timezone-aware now")
    if not database_is_empty():
        db.session.rollback()
        if if_empty:
            return False
        raise DemoNotEmpty("the database already has users or agencies; the demo loads only into an "
                           "empty database (use --if-empty to skip quietly)")
    with unit_of_work():
        logins = _build(now)
        if logins != DEMO_LOGINS:  # pragma: no cover - guards the data modules against drift
            raise RuntimeError(f"demo logins drifted from DEMO_LOGINS: {logins}")
    return True


def _build(now: datetime) -> list[tuple[str, str]]:
    """Every builder in dependency order; returns the demo logins created."""
    ctx = build_base.DemoContext(now=now, password=DEMO_PASSWORD)
    build_base.build_catalogue(ctx, build_library.build_statutes(ctx))  # statutes before their articles
    logins = build_base.build_accounts(ctx)
    build_base.build_observers(ctx)
    episodes: dict[int, object] = {}
    findings, reports = [], []
    for spec in (*EARLY, *RECENT):
        episode = build_episodes.build_episode(ctx, spec)
        episodes[spec.number] = episode
        build_episodes.build_notes(ctx, episode, spec)
        comments = build_episodes.build_comments(ctx, episode, spec)
        build_oversight.audit_hidden_comments(ctx, episode, comments)
        found = build_followups.build_findings(ctx, episode, spec)
        findings += found
        reports += build_followups.build_follow_ups(ctx, episode, spec, found)
    build_library.build_library(ctx)
    upcoming = build_episodes.build_episode(ctx, UPCOMING)
    rng = random.Random(build_polls.SEED)
    decided = build_polls.build_decided_poll(ctx, upcoming, rng)
    open_poll = build_polls.build_open_poll(ctx, rng)
    build_oversight.build_invitations(ctx, list(episodes.values()), upcoming)
    build_oversight.build_observer_notes(ctx, episodes)
    build_oversight.build_follows(ctx, upcoming, open_poll, decided, findings, reports)
    db.session.flush()
    return logins
