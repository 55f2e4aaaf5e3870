"""The home page: live now, coming up, figures computed from the data."""
from __future__ import annotations

from datetime import timedelta

from app.core import clock
from app.extensions import db
from app.findings.models import Finding
from tests import factories


def _finding(episode, due_in_days: int, state: str = "open") -> Finding:
    now = clock.now()
    f = Finding(episode_id=episode.id, party_name="某餐饮店", description="后厨卫生不达标",
                domain_id=episode.domain_id, agency_id=episode.participations[0].agency_id,
                rectify_by=now + timedelta(days=due_in_days), state=state,
                rectified_at=now if state in ("rectified", "closed") else None,
                closed_at=now if state == "closed" else None)
    db.session.add(f)
    return f


def test_home_shows_live_and_upcoming_episodes(client):
    live = factories.episode(state="live", title="走进学校食堂", live_at=clock.now())
    soon = factories.episode(state="scheduled", title="电动自行车充电安全")
    factories.episode(state="draft", title="尚未公布的草稿")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert live.title in html and soon.title in html
    assert "尚未公布的草稿" not in html


def test_figures_count_only_findings_that_are_due(client):
    held = factories.episode(state="follow_up", view_count=800_000, live_at=clock.now() - timedelta(days=30))
    _finding(held, -5, "closed")
    _finding(held, -1, "open")        # due, not rectified
    _finding(held, +10, "open")       # not due yet: not counted
    _finding(factories.episode(state="draft"), -3, "open")  # a draft's finding is not public
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "整改率" in html
    assert "50%" in html
    assert "800,000" in html


def test_figures_are_hidden_before_any_episode_is_held(client):
    factories.episode(state="scheduled")
    db.session.commit()
    assert "整改率" not in client.get("/").get_data(as_text=True)
