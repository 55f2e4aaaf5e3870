"""Episode pages as users see them: schedule, archive search, the episode page, buttons, forms."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from PIL import Image
from sqlalchemy import select

from app.core import clock
from app.episodes.models import Episode
from app.extensions import db
from app.findings.models import Finding
from app.live.models import LiveNote
from app.notifications.models import Subscription
from tests import factories
from tests.conftest import csrf_token
from tests.security.helpers import snapshot, text_of


def test_schedule_lists_live_and_upcoming_not_drafts_or_past(client, app):
    factories.episode("live", title="正在直播的检查")
    factories.episode("scheduled", title="下周的检查")
    factories.episode("draft", title="草稿不公开")
    factories.episode("ended", title="已经结束")
    db.session.commit()
    page = text_of(client.get("/episodes"))
    assert "正在直播的检查" in page and "下周的检查" in page
    assert "草稿不公开" not in page and "已经结束" not in page
    assert page.index("正在直播的检查") < page.index("下周的检查")


def test_archive_filters_and_searches_titles_parties_and_notes(client, app, users):
    food = factories.domain("food")
    a1, a2 = factories.agency("market-bureau", [food]), factories.agency("city-admin")
    e1 = factories.episode("ended", agencies=[a1], title="学校食堂突击检查",
                           start=datetime(2024, 3, 1, 2, tzinfo=timezone.utc))
    e2 = factories.episode("closed", agencies=[a2], title="渣土车夜查",
                           start=datetime(2025, 5, 1, 2, tzinfo=timezone.utc))
    factories.episode("scheduled", agencies=[a1], title="还没播出的食堂检查")
    db.session.add(Finding(episode_id=e2.id, agency_id=a2.id, party_name="宏达运输有限公司", domain_id=e2.domain_id,
                           rectify_by=clock.now() + timedelta(days=7), description="未密闭运输"))
    db.session.add(LiveNote(episode_id=e1.id, author_id=users["coordinator"].id, body="依据食品安全法第五十四条"))
    db.session.commit()

    def titles(query: str) -> str:
        return text_of(client.get("/episodes/archive" + query))

    page = titles("")
    assert "学校食堂突击检查" in page and "渣土车夜查" in page and "还没播出" not in page
    assert "渣土车夜查" not in titles("?domain=food")
    assert "学校食堂突击检查" not in titles("?agency=city-admin")
    assert "学校食堂突击检查" not in titles("?year=2025") and "渣土车夜查" in titles("?year=2025")
    assert "渣土车夜查" in titles("?q=宏达运输") and "学校食堂" not in titles("?q=宏达运输")
    assert "学校食堂突击检查" in titles("?q=第五十四条")
    assert "No episode matches" in titles("?q=100%25_&lang=en")


def test_archive_paginates(client, app):
    for n in range(15):
        factories.episode("ended", title=f"往期{n:02d}", start=clock.now() - timedelta(days=n + 1))
    db.session.commit()
    first, second = text_of(client.get("/episodes/archive")), text_of(client.get("/episodes/archive?page=2"))
    assert "往期00" in first and "往期14" not in first
    assert "往期14" in second and "往期00" not in second
    assert client.get("/episodes/archive?page=99").status_code == 200


def test_episode_page_shows_the_facts_and_hides_drafts(client, app):
    episode = factories.episode("scheduled", number=12, title="夜市检查", area="龙华区", host_name="李主持",
                                summary="夜市摊点的食品安全")
    draft = factories.episode("draft")
    db.session.commit()
    page = text_of(client.get(f"/episodes/{episode.id}"))
    for text in ("夜市检查", "龙华区", "李主持", "夜市摊点的食品安全", episode.agencies[0].name_zh):
        assert text in page
    assert f"/episodes/{episode.id}.ics" in page
    assert client.get(f"/episodes/{draft.id}").status_code == 404
    assert client.get("/episodes/999999").status_code == 404


def test_remind_me_button_subscribes_and_unsubscribes(app, login_as, users):
    episode = factories.episode("scheduled")
    db.session.commit()
    c = login_as("public")
    url = f"/episodes/{episode.id}"
    response = c.post(url + "/remind", data={"csrf_token": csrf_token(c, url)})
    assert response.status_code == 302
    assert "30" in text_of(c.get(url))
    query = select(Subscription).where(Subscription.user_id == users["public"].id)
    assert len(db.session.scalars(query).all()) == 1
    c.post(url + "/remind", data={"csrf_token": csrf_token(c, url), "off": "1"})
    assert db.session.scalars(query).all() == []


def test_remind_me_without_csrf_changes_nothing(app, login_as):
    episode = factories.episode("scheduled")
    db.session.commit()
    c = login_as("public")
    before = snapshot()
    response = c.post(f"/episodes/{episode.id}/remind", data={})
    assert response.status_code == 400
    assert snapshot() == before


def test_coordinator_buttons_walk_the_lifecycle(app, login_as):
    episode = factories.episode("draft", start=clock.now() + timedelta(days=1))
    db.session.commit()
    c = login_as("coordinator")
    url = f"/episodes/{episode.id}"
    for step, state in (("publish", "scheduled"), ("go_live", "live"), ("end", "ended"),
                        ("start_follow_up", "follow_up"), ("close", "closed")):
        assert f'value="{step}"' in c.get(url).get_data(as_text=True)
        response = c.post(url + "/step", data={"csrf_token": csrf_token(c, url), "step": step})
        assert response.status_code == 302, text_of(response)[:300]
        assert db.session.get(Episode, episode.id).state == state


def test_a_refused_step_shows_its_reason(app, login_as):
    episode = factories.episode("scheduled")
    db.session.commit()
    c = login_as("coordinator")
    c.get("/lang/en")
    url = f"/episodes/{episode.id}"
    response = c.post(url + "/step", data={"csrf_token": csrf_token(c, url), "step": "close"})
    assert response.status_code == 409
    assert "not possible in the episode's current state" in text_of(response)
    assert db.session.get(Episode, episode.id).state == "scheduled"


def test_lead_agency_staff_see_only_the_live_buttons(app, login_as, users):
    episode = factories.episode("scheduled", agencies=[users["agency_staff"].agency])
    db.session.commit()
    c = login_as("agency_staff")
    url = f"/episodes/{episode.id}"
    page = c.get(url).get_data(as_text=True)
    assert 'value="go_live"' in page and 'value="publish"' not in page and "/edit" not in page
    response = c.post(url + "/step", data={"csrf_token": csrf_token(c, url), "step": "go_live"})
    assert response.status_code == 302
    assert db.session.get(Episode, episode.id).state == "live"


def _form(client, path: str, **overrides) -> dict:
    agency = db.session.scalars(select(factories.Agency)).first()
    data = {"csrf_token": csrf_token(client, path), "title": "菜市场检查", "domain_id": agency.domains[0].id,
            "lead_agency_id": agency.id, "place_kind": "market", "area": "民治街道", "host_name": "张主持",
            "scheduled_start": "2031-06-01T19:30", "expected_minutes": "60", "stream_kind": "hls",
            "stream_url": "https://live.example.cn/a.m3u8", "observer_capacity": "8"}
    data.update(overrides)
    return data


def _png(size=(400, 300)) -> io.BytesIO:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"
    image.save(buffer, "PNG", exif=exif)
    buffer.seek(0)
    return buffer


def test_create_form_converts_beijing_time_and_stores_a_clean_cover(app, login_as):
    factories.agency()
    db.session.commit()
    c = login_as("coordinator")
    data = _form(c, "/episodes/new", cover=(_png(), "cover.png"))
    response = c.post("/episodes/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, text_of(response)[:2000]
    episode = db.session.scalars(select(Episode)).one()
    assert episode.state == "draft" and episode.number == 1
    assert episode.scheduled_start == datetime(2031, 6, 1, 11, 30, tzinfo=timezone.utc)
    assert episode.cover_path.startswith("covers/") and episode.cover_path.endswith(".jpg")
    image = c.get(f"/episodes/{episode.id}/cover")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    served = Image.open(io.BytesIO(image.data))
    assert served.format == "JPEG" and not served.getexif()
    assert app.test_client().get(f"/episodes/{episode.id}/cover").status_code == 404  # a draft


def test_create_form_refuses_bad_input_and_stores_nothing(app, login_as):
    factories.agency()
    db.session.commit()
    c = login_as("coordinator")
    c.get("/lang/en")  # messages in English, whatever the catalog says
    before = snapshot()
    cases = [({"stream_url": "javascript:alert(1)"}, "https://"),
             ({"scheduled_start": "2001-01-01T10:00"}, "future"),
             ({"title": ""}, "Title"),
             ({"host_username": "nobody-here"}, "user name"),
             ({"cover": (io.BytesIO(b"not an image at all"), "x.png")}, "image")]
    for overrides, words in cases:
        response = c.post("/episodes/new", data=_form(c, "/episodes/new", **overrides),
                          content_type="multipart/form-data")
        assert response.status_code in (409, 422), overrides
        assert 'role="alert"' in response.get_data(as_text=True)
        assert words in text_of(response), (overrides, words)
    assert snapshot() == before


def test_edit_form_changes_the_episode(app, login_as):
    episode = factories.episode("scheduled", start=clock.now() + timedelta(days=3))
    db.session.commit()
    c = login_as("coordinator")
    url = f"/episodes/{episode.id}/edit"
    page = c.get(url).get_data(as_text=True)
    assert episode.title in page
    data = _form(c, url, title="改过的标题", lead_agency_id=episode.agencies[0].id,
                 domain_id=episode.domain_id, stream_kind="embed")
    response = c.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, text_of(response)[:1500]
    db.session.expire_all()
    changed = db.session.get(Episode, episode.id)
    assert changed.title == "改过的标题" and changed.stream_kind == "embed"


def test_forms_are_for_the_coordinator_only(app, login_as):
    episode = factories.episode("scheduled")
    db.session.commit()
    for role in ("public", "agency_staff"):
        c = login_as(role)
        assert c.get("/episodes/new").status_code == 403
        assert c.get(f"/episodes/{episode.id}/edit").status_code == 403
