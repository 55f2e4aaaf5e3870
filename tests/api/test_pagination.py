"""Pagination and filters of GET /api/v1/episodes."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import clock
from app.extensions import db
from tests import factories


@pytest.fixture
def twenty_five(app):
    """25 published episodes, one day apart; returns their ids newest first."""
    base = clock.now()
    made = [factories.episode("scheduled", start=base + timedelta(days=i)) for i in range(25)]
    db.session.commit()
    return [e.id for e in reversed(made)]


def page(client, query: str) -> dict:
    response = client.get(f"/api/v1/episodes?{query}")
    assert response.status_code == 200, response.json
    return response.json


def test_pages_split_the_list_without_gaps_or_overlaps(app, client, twenty_five):
    p1, p2, p3 = (page(client, f"per_page=10&page={n}") for n in (1, 2, 3))

    assert [len(p["data"]) for p in (p1, p2, p3)] == [10, 10, 5]
    for n, p in enumerate((p1, p2, p3), start=1):
        assert p["meta"] == {"page": n, "per_page": 10, "total": 25, "pages": 3}
    ids = [e["id"] for p in (p1, p2, p3) for e in p["data"]]
    assert ids == twenty_five  # newest first, every episode exactly once


def test_a_page_past_the_end_is_empty(app, client, twenty_five):
    body = page(client, "per_page=10&page=4")

    assert body["data"] == []
    assert body["meta"] == {"page": 4, "per_page": 10, "total": 25, "pages": 3}


def test_default_page_size_is_twenty(app, client, twenty_five):
    body = page(client, "")

    assert len(body["data"]) == 20
    assert body["meta"]["per_page"] == 20 and body["meta"]["pages"] == 2


def test_per_page_one_hundred_is_allowed(app, client, twenty_five):
    assert len(page(client, "per_page=100")["data"]) == 25


@pytest.fixture
def mixed(app):
    food, safety = factories.domain("food_safety"), factories.domain("work_safety")
    market = factories.agency("market", domains=[food])
    emergency = factories.agency("emergency", domains=[safety])
    eps = {
        "food_live": factories.episode("live", agencies=[market]),
        "food_closed": factories.episode("closed", agencies=[market]),
        "safety_live": factories.episode("live", agencies=[emergency]),
        "joint_ended": factories.episode("ended", agencies=[emergency, market]),
        "draft": factories.episode("draft", agencies=[market]),
    }
    db.session.commit()
    return {k: e.id for k, e in eps.items()}


def ids(client, query: str) -> set[int]:
    body = page(client, query)
    assert body["meta"]["total"] == len(body["data"])
    return {e["id"] for e in body["data"]}


def test_filter_by_state(app, client, mixed):
    assert ids(client, "state=live") == {mixed["food_live"], mixed["safety_live"]}
    assert ids(client, "state=closed") == {mixed["food_closed"]}


def test_filter_by_domain(app, client, mixed):
    assert ids(client, "domain=food_safety") == {mixed["food_live"], mixed["food_closed"]}
    assert ids(client, "domain=work_safety") == {mixed["safety_live"], mixed["joint_ended"]}
    assert ids(client, "domain=nothing_here") == set()


def test_filter_by_agency_includes_supporting_agencies(app, client, mixed):
    assert ids(client, "agency=market") == {mixed["food_live"], mixed["food_closed"], mixed["joint_ended"]}
    assert ids(client, "agency=emergency") == {mixed["safety_live"], mixed["joint_ended"]}


def test_filters_combine(app, client, mixed):
    assert ids(client, "agency=market&state=live") == {mixed["food_live"]}
    assert ids(client, "agency=emergency&domain=food_safety") == set()


def test_filters_do_not_reveal_drafts(app, client, mixed):
    assert ids(client, "state=draft") == set()
    assert mixed["draft"] not in ids(client, "agency=market")
