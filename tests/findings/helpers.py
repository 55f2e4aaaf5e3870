"""Builders for the follow-up tests."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

from app.core.auth import actor_for
from app.extensions import db
from app.findings import reports, services
from app.findings.models import Finding
from tests import factories

NOW = datetime(2030, 3, 1, 2, 0, tzinfo=timezone.utc)


def png(width: int = 20, height: int = 10, exif: bool = False, fmt: str = "PNG") -> bytes:
    """A small real image."""
    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (200, 30, 30))
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        image.save(out, "JPEG", exif=data.tobytes())
    else:
        image.save(out, fmt)
    return out.getvalue()


def world(users) -> dict:
    """An ended episode with the agency_staff user's agency (lead) and another agency."""
    own = users["agency_staff"].agency
    other = factories.agency()
    episode = factories.episode("ended", agencies=[own, other])
    db.session.commit()
    return {"episode": episode, "own": own, "other": other}


def finding(users, w, *, agency=None, rectify_by: datetime | None = None, now: datetime = NOW,
            **fields) -> Finding:
    """A finding recorded by the coordinator through the service."""
    agency = agency or w["own"]
    f = services.record_finding(
        actor_for(users["coordinator"]), w["episode"].id, now=now, party_name=fields.pop("party_name", "某餐馆"),
        description=fields.pop("description", "后厨未分区存放生熟食品"), domain_id=agency.domains[0].id,
        agency_id=agency.id, rectify_by=rectify_by or now + timedelta(days=10), **fields)
    db.session.commit()
    return f


def report(users, findings: list[Finding], *, outcome: str = "rectified", publish_at: datetime | None = None,
           now: datetime = NOW, approve: bool = True, publish_now: bool = False) -> int:
    """A report by the agency_staff user, submitted and (by default) approved; returns its id."""
    staff = actor_for(users["agency_staff"])
    r = reports.create_report(
        staff, now=now, reinspected_on=(now - timedelta(days=1)).date(), body="## 复查\n\n已整改。",
        outcomes=[reports.OutcomeInput(f.id, outcome, "" if outcome == "rectified" else "处罚决定书 2030-01")
                  for f in findings],
        publish_at=None if publish_now else (publish_at or now + timedelta(days=1)), publish_now=publish_now)
    if approve:
        reports.review(actor_for(users["coordinator"]), r.id, now=now, decision="approve")
    db.session.commit()
    return r.id
