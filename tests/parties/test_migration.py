"""The parties migration turns existing findings' free-text names into party records and inspections."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import text

from app.core.db import UTCDateTime
from app.extensions import db
from tests import factories
from tests.test_migrations import migration_app  # noqa: F401  (the fixture: an empty database of its own)

BEFORE = "63de09c51041"  # the revision before 20261203_3147d23628f3_inspected_parties


def test_free_text_names_become_parties_and_each_party_episode_pair_an_inspection(migration_app):  # noqa: F811
    upgrade(revision=BEFORE)
    agency = factories.agency()
    live = datetime(2026, 5, 1, 2, 0).astimezone()
    e1 = factories.episode("ended", agencies=[agency], start=live, live_at=live)
    e2 = factories.episode("ended", agencies=[agency], start=live + timedelta(days=30), live_at=None)
    db.session.commit()
    for episode, name, address in ((e1, "幸福餐馆", "幸福路 1 号"), (e1, " 幸福 餐馆", ""), (e2, "ＸＹＺ超市", ""),
                                   (e2, "幸福餐馆", "")):
        db.session.execute(text(
            "INSERT INTO findings (episode_id, party_name, party_address, area, description, domain_id, severity, "
            "agency_id, rectify_by, state, created_at) VALUES (:e, :n, :a, '', '问题', :d, 'moderate', :ag, :due, "
            "'open', :now)"), {"e": episode.id, "n": name, "a": address, "d": agency.domains[0].id, "ag": agency.id,
                               "due": datetime(2026, 6, 1), "now": datetime(2026, 5, 1)})
    db.session.commit()

    upgrade()

    parties = db.session.execute(text("SELECT id, name, name_key, address FROM parties ORDER BY id")).all()
    assert [(p.name, p.name_key, p.address) for p in parties] == [("幸福餐馆", "幸福餐馆", "幸福路 1 号"),
                                                                  ("ＸＹＺ超市", "xyz超市", "")]
    links = db.session.execute(text("SELECT party_id FROM findings ORDER BY id")).scalars().all()
    assert links == [parties[0].id, parties[0].id, parties[1].id, parties[0].id]
    inspections = db.session.execute(text(
        "SELECT party_id, episode_id, inspected_at FROM inspections ORDER BY party_id, episode_id")
        .columns(inspected_at=UTCDateTime())).all()
    assert [(i.party_id, i.episode_id) for i in inspections] == [(parties[0].id, e1.id), (parties[0].id, e2.id),
                                                                (parties[1].id, e2.id)]
    # at the live start; an episode without one falls back to its scheduled start
    assert [i.inspected_at for i in inspections] == [live, e2.scheduled_start, e2.scheduled_start]
    db.session.remove()
