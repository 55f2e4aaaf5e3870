"""Small builders for test data (flushed, committed by the caller or the fixture)."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from app.accounts import services as accounts
from app.accounts.models import User
from app.agencies.models import Agency, Domain
from app.core import clock
from app.episodes.models import Episode, EpisodeAgency
from app.extensions import db

PASSWORD = "secret-pass-123"
_seq = itertools.count(1)


def domain(code: str | None = None) -> Domain:
    """A domain (food safety unless named)."""
    n = next(_seq)
    d = Domain(code=code or f"domain{n}", name_zh=f"领域{n}", name_en=f"Domain {n}")
    db.session.add(d)
    db.session.flush()
    return d


def agency(slug: str | None = None, domains: list[Domain] | None = None) -> Agency:
    """An agency with one domain."""
    n = next(_seq)
    a = Agency(slug=slug or f"agency{n}", name_zh=f"执法单位{n}", name_en=f"Agency {n}",
               short_name=f"单位{n}", domains=domains or [domain()])
    db.session.add(a)
    db.session.flush()
    return a


def user(role: str = "public", agency_obj: Agency | None = None, username: str | None = None,
         password: str = PASSWORD) -> User:
    """A user of the given role (agency staff get an agency if none is given)."""
    n = next(_seq)
    if role == "agency_staff" and agency_obj is None:
        agency_obj = agency()
    return accounts.register(username or f"{role[:6]}{n}", f"用户{n}", password, None, now=clock.now(),
                             role=role, agency_id=agency_obj.id if agency_obj else None)


def episode(state: str = "scheduled", agencies: list[Agency] | None = None, number: int | None = None,
            start: datetime | None = None, **fields) -> Episode:
    """An episode in the given state, with one lead agency."""
    n = next(_seq)
    agencies = agencies or [agency()]
    e = Episode(number=number or n, title=fields.pop("title", f"第{n}期 执法直播"),
                domain_id=agencies[0].domains[0].id, state=state,
                scheduled_start=start or clock.now() + timedelta(days=1), **fields)
    e.participations = [EpisodeAgency(agency_id=a.id, role="lead" if i == 0 else "support")
                        for i, a in enumerate(agencies)]
    db.session.add(e)
    db.session.flush()
    return e
