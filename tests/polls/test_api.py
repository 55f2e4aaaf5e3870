"""The polls API: reads, votes, proposals, reviews, tallies, decision; hidden counts; errors in the envelope."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.polls.models import Poll, Topic, Vote
from tests.security.helpers import meta_csrf, snapshot
from tests.polls.conftest import make_poll

EN = {"Accept-Language": "en"}


def write(client, method: str, path: str, body=None):
    return client.open(path, method=method, json=body, headers={"X-CSRFToken": meta_csrf(client), **EN})


def test_list_and_detail(world, client):
    body = client.get("/api/v1/polls").json
    assert body["meta"]["total"] == 1 and body["data"][0]["state"] == "open"
    detail = client.get(f"/api/v1/polls/{world['poll'].id}").json["data"]
    assert [t["title"] for t in detail["topics"]] == ["主题1", "主题2", "主题3"]
    assert detail["topics"][0]["domain"] == "food"
    assert detail["results"]["total"] == 0 and detail["my_votes"] == [] and detail["episode_id"] is None


def test_vote_and_withdraw(world, login_as):
    c = login_as("public")
    poll_id, topic = world["poll"].id, world["topics"][0]
    response = write(c, "POST", f"/api/v1/polls/{poll_id}/votes", {"topic_id": topic})
    assert response.status_code == 201 and response.json["data"]["slot"] == 1
    assert c.get(f"/api/v1/polls/{poll_id}").json["data"]["my_votes"] == [topic]
    assert c.get(f"/api/v1/polls/{poll_id}/results").json["data"]["topics"][0]["online"] == 1
    response = write(c, "DELETE", f"/api/v1/polls/{poll_id}/votes/{topic}")
    assert response.status_code == 200 and response.json["data"]["total"] == 0


@pytest.mark.parametrize("body,status,code,message", [
    ({}, 422, "validation_failed", "Some of the input is not valid."),
    ({"topic_id": "1"}, 422, "validation_failed", "Some of the input is not valid."),
    ({"topic_id": 999}, 404, "topic_not_found", "No such topic in this poll."),
])
def test_bad_votes_are_refused_in_the_envelope(world, login_as, body, status, code, message):
    c = login_as("public")
    before = snapshot()
    response = write(c, "POST", f"/api/v1/polls/{world['poll'].id}/votes", body)
    assert response.status_code == status
    assert response.json["error"]["code"] == code and response.json["error"]["message"] == message
    assert snapshot() == before


def test_voting_twice_and_above_the_limit_via_the_api(world, login_as):
    c = login_as("public")
    path = f"/api/v1/polls/{world['poll'].id}/votes"
    for topic in world["topics"][:2]:
        assert write(c, "POST", path, {"topic_id": topic}).status_code == 201
    twice = write(c, "POST", path, {"topic_id": world["topics"][0]})
    assert (twice.status_code, twice.json["error"]["code"]) == (409, "already_voted")
    above = write(c, "POST", path, {"topic_id": world["topics"][2]})
    assert (above.status_code, above.json["error"]["code"]) == (409, "vote_limit_reached")
    assert above.json["error"]["message"].startswith("You have used all 2 of your votes")
    assert db.session.scalar(select(func.count(Vote.id))) == 2


def test_a_voter_over_the_rate_limit_is_told_when_to_retry(world, login_as, app):
    app.config["POLL_VOTE_RATE_USER"] = "1/minute"
    try:
        c = login_as("public")
        path = f"/api/v1/polls/{world['poll'].id}/votes"
        assert write(c, "POST", path, {"topic_id": world["topics"][0]}).status_code == 201

        refused = write(c, "POST", path, {"topic_id": world["topics"][1]})
        zh = c.post(path, json={"topic_id": world["topics"][1]}, headers={"X-CSRFToken": meta_csrf(c)})
    finally:
        app.config["POLL_VOTE_RATE_USER"] = "10000/minute"

    assert (refused.status_code, refused.json["error"]["code"]) == (429, "rate_limited")
    assert refused.headers["Retry-After"] == "60"
    assert refused.json["error"]["message"] == "Too many attempts. Please wait a moment and try again."
    assert zh.status_code == 429 and zh.json["error"]["message"] == "操作过于频繁，请稍后再试。"
    assert db.session.scalar(select(func.count(Vote.id))) == 1


def test_anonymous_votes_get_401(world, client):
    response = write(client, "POST", f"/api/v1/polls/{world['poll'].id}/votes", {"topic_id": world["topics"][0]})
    assert response.status_code == 401 and response.json["error"]["code"] == "login_required"


def test_hidden_counts_are_absent_from_the_api(world, login_as, client):
    world["poll"].counts_visible = False
    db.session.commit()
    c = login_as("public")
    write(c, "POST", f"/api/v1/polls/{world['poll'].id}/votes", {"topic_id": world["topics"][0]})
    for caller in (client, c, login_as("coordinator")):
        results = caller.get(f"/api/v1/polls/{world['poll'].id}/results").json["data"]
        assert results == {"poll_id": world["poll"].id, "state": "open", "counts_visible": False}
        detail = caller.get(f"/api/v1/polls/{world['poll'].id}").json["data"]
        assert "total" not in detail["results"] and "topics" not in detail["results"]


def test_proposal_review_and_merge_via_the_api(world, login_as):
    public, coordinator = login_as("public"), login_as("coordinator")
    poll_id = world["poll"].id
    created = write(public, "POST", f"/api/v1/polls/{poll_id}/proposals",
                    {"title": "夜市油烟", "domain": "food", "why": "扰民"})
    assert created.status_code == 201 and created.json["data"]["state"] == "pending"
    topic_id = created.json["data"]["id"]
    assert [t["id"] for t in coordinator.get(f"/api/v1/polls/{poll_id}/proposals").json["data"]] == [topic_id]
    assert login_as("observer").get(f"/api/v1/polls/{poll_id}/proposals").status_code == 403
    bad = write(coordinator, "POST", f"/api/v1/polls/{poll_id}/proposals/{topic_id}/review",
                {"action": "reject", "reason": ""})
    assert (bad.status_code, bad.json["error"]["code"]) == (422, "reason_required")
    done = write(coordinator, "POST", f"/api/v1/polls/{poll_id}/proposals/{topic_id}/review",
                 {"action": "merge", "into_topic_id": world["topics"][0]})
    assert done.status_code == 200 and done.json["data"]["state"] == "merged"
    mine = public.get(f"/api/v1/polls/{poll_id}").json["data"]["topics"]
    assert {t["id"]: t["state"] for t in mine}[topic_id] == "merged"


@pytest.mark.parametrize("body,code", [
    ({"title": "", "domain": "food", "why": "x"}, "title_required"),
    ({"title": "x" * 81, "domain": "food", "why": "x"}, "title_too_long"),
    ({"title": "x", "domain": "nope", "why": "x"}, "domain_unknown"),
])
def test_bad_proposals_via_the_api(world, login_as, body, code):
    c = login_as("public")
    meta_csrf(c)
    before = snapshot()
    response = write(c, "POST", f"/api/v1/polls/{world['poll'].id}/proposals", body)
    assert response.status_code == 422 and response.json["error"]["code"] == code
    assert snapshot() == before


def test_the_coordinator_creates_a_poll_and_bad_dates_are_refused(app, login_as, users):
    from tests import factories

    factories.domain("food")
    db.session.commit()
    c = login_as("coordinator")
    now = clock.now()
    bad = write(c, "POST", "/api/v1/polls", {"title": "x", "opens_at": (now + timedelta(days=2)).isoformat(),
                                             "closes_at": (now + timedelta(days=1)).isoformat()})
    assert bad.status_code == 422 and bad.json["error"]["code"] == "poll_closes_before_opens"
    assert bad.json["error"]["message"] == "The poll must close after it opens."
    assert db.session.scalar(select(func.count(Poll.id))) == 0
    made = write(c, "POST", "/api/v1/polls", {"title": "第41期", "opens_at": now.isoformat(),
                                              "closes_at": (now + timedelta(days=3)).isoformat(),
                                              "votes_per_person": 3, "counts_visible": False})
    assert made.status_code == 201 and made.json["data"]["state"] == "draft"
    poll_id = made.json["data"]["id"]
    for title in ("食堂", "工地"):
        assert write(c, "POST", f"/api/v1/polls/{poll_id}/topics", {"title": title, "domain": "food"}).status_code == 201
    assert write(c, "PATCH", f"/api/v1/polls/{poll_id}", {"title": "第41期选题"}).json["data"]["title"] == "第41期选题"
    assert login_as("public").get(f"/api/v1/polls/{poll_id}").status_code == 404


def test_tallies_and_decision_via_the_api(world, login_as):
    c = login_as("coordinator")
    poll_id = world["poll"].id
    added = write(c, "POST", f"/api/v1/polls/{poll_id}/tallies",
                  {"topic_id": world["topics"][1], "source": "纸质投票箱", "collected_on": date.today().isoformat(),
                   "count": 7})
    assert added.status_code == 201
    tally_id = added.json["data"]["id"]
    no_reason = write(c, "PATCH", f"/api/v1/polls/{poll_id}/tallies/{tally_id}", {"count": 9})
    assert no_reason.status_code == 422
    fixed = write(c, "PATCH", f"/api/v1/polls/{poll_id}/tallies/{tally_id}", {"count": 9, "reason": "复核"})
    assert fixed.json["data"]["count"] == 9 and fixed.json["data"]["edit_reason"] == "复核"
    not_leader = write(c, "POST", f"/api/v1/polls/{poll_id}/decision", {"topic_id": world["topics"][0]})
    assert not_leader.status_code == 422 and not_leader.json["error"]["code"] == "decision_reason_required"
    decided = write(c, "POST", f"/api/v1/polls/{poll_id}/decision", {"topic_id": world["topics"][1]})
    assert decided.status_code == 200 and decided.json["data"]["state"] == "decided"
    assert db.session.get(Topic, world["topics"][1]).id == decided.json["data"]["decided_topic_id"]


def test_the_openapi_document_lists_the_poll_endpoints(app, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/polls", "/api/v1/polls/{poll_id}", "/api/v1/polls/{poll_id}/votes",
                 "/api/v1/polls/{poll_id}/votes/{topic_id}", "/api/v1/polls/{poll_id}/results",
                 "/api/v1/polls/{poll_id}/proposals", "/api/v1/polls/{poll_id}/decision"):
        assert path in paths
    assert make_poll  # shared helper import
