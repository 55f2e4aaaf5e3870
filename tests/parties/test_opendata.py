"""The parties open dataset: CSV and JSON agree, findings carry their party id, no name or address."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from app.core import clock
from app.core.auth import actor_for
from app.extensions import db
from app.parties import codes
from app.parties.models import Inspection
from tests.parties.helpers import episode_at, finding


def test_parties_dataset(app, users, client):
    agency = users["agency_staff"].agency
    now = clock.now()
    a = finding(users, episode_at(now - timedelta(days=5), [agency]), agency, now=now, party_address="幸福路 9 号")
    b = finding(users, episode_at(now - timedelta(days=2), [agency]), agency, now=now)
    inspection = db.session.query(Inspection).filter_by(episode_id=b.episode_id).one()
    _, plain = codes.issue(actor_for(users["coordinator"]), inspection.id, now=now)
    codes.redeem(plain, codes.Answer(False, None, None, {}), now=now)
    db.session.commit()

    body = client.get("/open-data/parties.json").json
    [row] = body["data"]
    assert row == {"id": a.party_id, "domain": agency.domains[0].code, "inspections": 2,
                   "inspected_at": [a.episode.live_at.isoformat(), b.episode.live_at.isoformat()],
                   "confirmed_by_party": 0, "disputed_by_party": 1, "published_statements": 0,
                   "finding_ids": [a.id, b.id]}
    text = client.get("/open-data/parties.csv").get_data(as_text=True)
    [line] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert line["finding_ids"] == f"{a.id};{b.id}" and line["inspections"] == "2"
    assert line["inspected_at"] == f"{a.episode.live_at.isoformat()};{b.episode.live_at.isoformat()}"
    for secret in ("幸福路 9 号", "幸福餐馆"):  # like findings: no party name or address
        assert secret not in text + str(body)
    findings = client.get("/open-data/findings.json").json["data"]
    assert {f["party_id"] for f in findings} == {a.party_id}
    assert "parties.csv" in client.get("/open-data").get_data(as_text=True)
