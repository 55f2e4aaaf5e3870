"""iCalendar feeds, parsed back with the icalendar library."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from icalendar import Calendar

from app.extensions import db
from tests import factories


def test_feed_lists_published_episodes_with_utc_times(client, app):
    start = datetime(2031, 3, 5, 11, 0, tzinfo=timezone.utc)
    episode = factories.episode("scheduled", number=9, title="校园食堂", start=start, expected_minutes=75,
                                area="龙华区")
    factories.episode("ended", title="往期节目")
    factories.episode("draft", title="草稿")
    db.session.commit()

    response = client.get("/episodes.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"第9期 校园食堂", next(k for k in events if "往期节目" in k)}
    event = events["第9期 校园食堂"]
    assert event.decoded("dtstart") == start
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == start + timedelta(minutes=75)
    assert str(event["location"]) == "龙华区"
    assert str(event["url"]).endswith(f"/episodes/{episode.id}")
    assert str(event["uid"]).startswith(f"episode-{episode.id}@")
    assert b"DTSTART:20310305T110000Z" in response.data


def test_one_episode_feed_and_drafts_not_found(client, app):
    episode = factories.episode("scheduled", title="单期")
    draft = factories.episode("draft")
    db.session.commit()
    response = client.get(f"/episodes/{episode.id}.ics")
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == 1 and "单期" in str(events[0]["summary"])
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/episodes/{draft.id}.ics").status_code == 404


def test_uid_is_stable_between_fetches(client, app):
    factories.episode("scheduled")
    db.session.commit()
    uids = [str(Calendar.from_ical(client.get("/episodes.ics").data).walk("VEVENT")[0]["uid"]) for _ in range(2)]
    assert uids[0] == uids[1]
