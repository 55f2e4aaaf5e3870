"""Builders for the party tests: episodes at given times and findings through the real service."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.core.auth import actor_for
from app.extensions import db
from app.findings import services as findings
from app.findings.models import Finding
from tests import factories

NOW = datetime(2030, 3, 1, 2, 0, tzinfo=timezone.utc)


def episode_at(when: datetime, agencies, state: str = "ended"):
    """An episode broadcast at `when` (live_at), with the agencies taking part."""
    e = factories.episode(state, agencies=agencies, start=when, live_at=when)
    db.session.commit()
    return e


def finding(users, episode, agency, *, party_name: str = "幸福餐馆", now: datetime = NOW, **fields) -> Finding:
    """A finding recorded by the coordinator through the service (which links the party)."""
    f = findings.record_finding(
        actor_for(users["coordinator"]), episode.id, now=now, party_name=party_name,
        description=fields.pop("description", "后厨未分区存放生熟食品"), domain_id=agency.domains[0].id,
        agency_id=agency.id, rectify_by=now + timedelta(days=10), **fields)
    db.session.commit()
    return f
