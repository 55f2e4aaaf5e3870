"""The poll pages as users see them: list, poll, vote, withdraw, propose (with photo), coordinator pages."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.polls.models import OfflineTally, Poll, Topic, Vote
from tests.conftest import csrf_token
from tests.security.helpers import snapshot, text_of
from tests.polls.conftest import make_poll


def english(client):
    client.get("/lang/en")
    return client


def post(client, path: str, data: dict, page: str):
    data = {"csrf_token": csrf_token(client, page), **data}
    return client.post(path, data=data, content_type="multipart/form-data")


def test_the_list_shows_open_and_past_polls_with_decisions(world, client):
    past = make_poll("closed", title="上一期选题", domain=world["poll"].topics[0].domain)
    past.state, past.decided_topic_id, past.decided_at = "decided", past.topics[1].id, clock.now()
    draft = make_poll("draft", title="还没公开", domain=world["poll"].topics[0].domain)
    db.session.commit()

    html = text_of(english(client).get("/polls"))

    assert "下一期查什么？" in html and "上一期选题" in html and "Decided topic" in html and "主题2" in html
    assert "还没公开" not in html
    assert draft.id


def test_voting_and_withdrawing_on_the_page(world, login_as):
    c = english(login_as("public"))
    page = f"/polls/{world['poll'].id}"
    topic = world["topics"][0]

    response = post(c, f"{page}/vote", {"topic_id": topic}, page)
    assert response.status_code == 302
    html = text_of(c.get(page))
    assert "Your vote has been counted." in html and "You voted for this topic" in html
    assert "Withdraw my vote" in html

    response = post(c, f"{page}/withdraw", {"topic_id": topic}, page)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Vote.id))) == 0


@pytest.mark.parametrize("case,status,message", [
    ("twice", 409, "You have already voted for this topic."),
    ("limit", 409, "You have used all 2 of your votes in this poll."),
    ("closed", 409, "This poll is closed; votes are no longer accepted."),
    ("rejected", 409, "This topic is not open for voting."),
    ("merged", 409, "This topic was merged into another one; vote for that topic instead."),
    ("garbage", 422, "Choose a topic."),
])
def test_refused_votes_show_the_reason_and_count_nothing(world, login_as, case, status, message):
    c = english(login_as("public"))
    poll, (a, b, third) = world["poll"], world["topics"]
    page = f"/polls/{poll.id}"
    target = a
    if case in ("twice", "limit"):
        post(c, f"{page}/vote", {"topic_id": a}, page)
        post(c, f"{page}/vote", {"topic_id": b}, page)
        target = a if case == "twice" else third
    elif case == "closed":
        poll.closes_at = clock.now() - timedelta(seconds=1)
        poll.opens_at = clock.now() - timedelta(days=2)
        db.session.commit()
    elif case in ("rejected", "merged"):
        topic = db.session.get(Topic, a)
        topic.state = case
        topic.rejection_reason = "不合适" if case == "rejected" else None
        topic.merged_into_id = b if case == "merged" else None
        db.session.commit()
    token = csrf_token(c, page)
    before = snapshot()

    response = c.post(f"{page}/vote", data={"csrf_token": token, "topic_id": "x" if case == "garbage" else target})

    assert response.status_code == status
    assert message in text_of(response)
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    page = f"/polls/{world['poll'].id}"
    response = post(client, f"{page}/vote", {"topic_id": world["topics"][0]}, page)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert "Log in to vote" in text_of(english(client).get(f"/polls/{world['poll'].id}"))


def _png_with_exif() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (22.0, 33.0, 1.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_proposing_with_a_photo_strips_its_metadata(world, login_as, app):
    from PIL import Image

    c = english(login_as("public"))
    page = f"/polls/{world['poll'].id}"
    response = post(c, f"{page}/propose", {"title": "夜市油烟", "domain": "food", "place_kind": "street",
                                           "description": "晚上油烟扰民", "photo": (io.BytesIO(_png_with_exif()), "a.jpg")},
                    page)
    assert response.status_code == 302
    topic = db.session.scalar(select(Topic).where(Topic.title == "夜市油烟"))
    assert topic.state == "pending" and topic.photo_path.endswith(".jpg")
    photo = c.get(f"/polls/topics/{topic.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    stored = Image.open(io.BytesIO(photo.data))
    assert "exif" not in stored.info and not stored.getexif()
    html = text_of(c.get(page))
    assert "Your proposals" in html and "Awaiting review" in html
    # others do not see the pending proposal nor its photo
    assert "夜市油烟" not in text_of(app.test_client().get(page))
    assert app.test_client().get(f"/polls/topics/{topic.id}/photo").status_code == 404


@pytest.mark.parametrize("payload,message", [
    (b"not an image at all", "The file is not an image we can read."),
    (b"GIF89a" + b"\x00" * 10, "The file is not an image we can read."),
])
def test_non_images_are_refused(world, login_as, payload, message):
    c = english(login_as("public"))
    page = f"/polls/{world['poll'].id}"
    token = csrf_token(c, page)
    before = snapshot()
    response = c.post(f"{page}/propose", data={"csrf_token": token, "title": "x", "domain": "food",
                                               "place_kind": "other", "description": "y",
                                               "photo": (io.BytesIO(payload), "a.png")},
                      content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in text_of(response)
    assert snapshot() == before


def test_decompression_bombs_are_refused(world, login_as):
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")  # tiny file, 144 megapixels
    c = english(login_as("public"))
    page = f"/polls/{world['poll'].id}"
    token = csrf_token(c, page)
    before = snapshot()
    response = c.post(f"{page}/propose", data={"csrf_token": token, "title": "x", "domain": "food",
                                               "place_kind": "other", "description": "y",
                                               "photo": (io.BytesIO(out.getvalue()), "bomb.png")},
                      content_type="multipart/form-data")
    assert response.status_code == 422
    assert "The photo's dimensions are too large." in text_of(response)
    assert snapshot() == before


@pytest.mark.parametrize("fields,message", [
    ({"title": ""}, "Please enter the title."),
    ({"title": "长" * 81}, "The title may have at most 80 characters."),
    ({"domain": "astrology"}, "Unknown domain."),
])
def test_bad_proposals_on_the_page(world, login_as, fields, message):
    c = english(login_as("public"))
    page = f"/polls/{world['poll'].id}"
    token = csrf_token(c, page)
    before = snapshot()
    data = {"csrf_token": token, "title": "夜市", "domain": "food", "place_kind": "other", "description": "油烟"}
    data.update(fields)
    response = c.post(f"{page}/propose", data=data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert snapshot() == before


def test_vote_rate_limit_per_user(world, login_as, app):
    app.config["POLL_VOTE_RATE_USER"] = "2/minute"
    try:
        c = english(login_as("public"))
        page = f"/polls/{world['poll'].id}"
        for topic in world["topics"][:2]:
            assert post(c, f"{page}/vote", {"topic_id": topic}, page).status_code == 302
        response = post(c, f"{page}/withdraw", {"topic_id": world["topics"][0]}, page)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "60"
        assert "Too many attempts" in text_of(response)
        assert db.session.scalar(select(func.count(Vote.id))) == 2
        # another user is not affected
        other = english(login_as("observer"))
        assert post(other, f"{page}/vote", {"topic_id": world["topics"][0]}, page).status_code == 302
    finally:
        app.config["POLL_VOTE_RATE_USER"] = "10000/minute"


def test_proposal_rate_limit_per_address(world, login_as, app):
    app.config["POLL_PROPOSAL_RATE_IP"] = "1/hour"
    try:
        page = f"/polls/{world['poll'].id}"
        data = {"title": "夜市", "domain": "food", "place_kind": "other", "description": "油烟"}
        first = english(login_as("public"))
        assert post(first, f"{page}/propose", data, page).status_code == 302
        second = english(login_as("observer"))  # same address, another user
        response = post(second, f"{page}/propose", data, page)
        assert response.status_code == 429
        assert db.session.scalar(select(func.count(Topic.id)).where(Topic.state == "pending")) == 1
    finally:
        app.config["POLL_PROPOSAL_RATE_IP"] = "10000/minute"


def test_the_coordinator_runs_a_poll_through_the_pages(app, login_as, users):
    from tests import factories

    factories.domain("food")
    agency = factories.agency()
    db.session.commit()
    c = english(login_as("coordinator"))
    now = clock.now() + timedelta(hours=8)  # Beijing wall clock
    response = post(c, "/polls/new", {"title": "第40期选题", "description": "请投票",
                                      "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                                      "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
                                      "votes_per_person": "1", "proposals_open": "y", "counts_visible": "y"},
                    "/polls/new")
    assert response.status_code == 302, text_of(response)[:2000]
    poll = db.session.scalar(select(Poll))
    for title in ("食堂", "工地"):
        page = f"/polls/{poll.id}/topics/new"
        assert post(c, page, {"title": title, "domain": "food", "place_kind": "canteen", "description": ""},
                    page).status_code == 302
    from app.polls.jobs import open_and_close_polls
    from app.core.db import unit_of_work

    with unit_of_work():
        open_and_close_polls(clock.now())
    db.session.expire_all()
    assert poll.state == "open"
    first = poll.topics[0]
    page = f"/polls/{poll.id}/tallies"
    assert post(c, page, {"topic_id": first.id, "source": "街道办", "collected_on": date.today().isoformat(),
                          "count": "12"}, page).status_code == 302
    tally = db.session.scalar(select(OfflineTally))
    edit = f"/polls/{poll.id}/tallies/{tally.id}/edit"
    response = post(c, edit, {"source": "街道办", "collected_on": date.today().isoformat(), "count": "15",
                              "reason": ""}, edit)
    assert response.status_code == 422 and "Please enter the reason." in text_of(response)
    assert post(c, edit, {"source": "街道办", "collected_on": date.today().isoformat(), "count": "15",
                          "reason": "复核"}, edit).status_code == 302
    decide = f"/polls/{poll.id}/decide"
    response = post(c, decide, {"topic_id": poll.topics[1].id, "reason": ""}, decide)
    assert response.status_code == 422 and "not the most voted" in text_of(response)
    assert post(c, decide, {"topic_id": first.id, "reason": ""}, decide).status_code == 302
    episode_page = f"/polls/{poll.id}/episode"
    start = (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    assert post(c, episode_page, {"title": "第40期 食堂", "agency_ids": [agency.id], "scheduled_start": start},
                episode_page).status_code == 302
    html = text_of(c.get(f"/polls/{poll.id}"))
    assert "The coordinator chose" in html and "第40期 食堂" in html
    public_html = text_of(english(app.test_client()).get(f"/polls/{poll.id}"))
    assert "The episode will be announced here." in public_html and "第40期 食堂" not in public_html


def test_editing_an_open_poll_on_the_page_keeps_its_fixed_fields(world, login_as):
    from app.polls.forms import to_local

    c = english(login_as("coordinator"))
    poll = world["poll"]
    page = f"/polls/{poll.id}/edit"
    fields = {"title": "新标题", "description": "", "votes_per_person": "2", "counts_visible": "y",
              "proposals_open": "y", "opens_at": to_local(poll.opens_at).strftime("%Y-%m-%dT%H:%M"),
              "closes_at": to_local(poll.closes_at).strftime("%Y-%m-%dT%H:%M")}
    assert post(c, page, fields, page).status_code == 302
    db.session.expire_all()
    assert poll.title == "新标题"
    response = post(c, page, {**fields, "votes_per_person": "3"}, page)
    assert response.status_code == 409 and "Voting has started" in text_of(response)
    db.session.expire_all()
    assert poll.votes_per_person == 2


def test_hidden_counts_are_absent_from_the_page_until_close(world, login_as):
    from app.core.auth import actor_for
    from app.core.db import unit_of_work
    from app.polls import services

    poll = world["poll"]
    poll.counts_visible = False
    db.session.commit()
    with unit_of_work():
        services.vote(actor_for(world["users"]["observer"]), poll.id, world["topics"][0], now=clock.now())
    for c in (english(login_as("public")), english(login_as("coordinator"))):
        html = text_of(c.get(f"/polls/{poll.id}"))
        assert "Counts are hidden until the poll closes." in html
        assert "js-total" not in html and "<meter" not in html and "1 votes" not in html
    poll.state = "closed"
    db.session.commit()
    html = text_of(english(login_as("public")).get(f"/polls/{poll.id}"))
    assert "1 votes: 1 online, 0 offline." in html and "<meter" in html


def test_an_oversized_photo_is_refused(world, login_as):
    c = english(login_as("public"))
    page = f"/polls/{world['poll'].id}"
    token = csrf_token(c, page)
    before = snapshot()
    response = c.post(f"{page}/propose", data={"csrf_token": token, "title": "x", "domain": "food",
                                               "place_kind": "other", "description": "y",
                                               "photo": (io.BytesIO(b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 10)), "big.jpg")},
                      content_type="multipart/form-data")
    assert response.status_code == 422
    assert "The photo may be at most 5 MB." in text_of(response)
    assert snapshot() == before
