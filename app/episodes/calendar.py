"""iCalendar (RFC 5545) feeds of episodes, built with the icalendar library."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import request, url_for
from icalendar import Calendar, Event

from app.episodes.models import Episode

PRODID = "-//Zhibo//Episodes//ZH"


def uid_of(episode: Episode) -> str:
    """A stable, globally unique id for an episode's calendar event."""
    return f"episode-{episode.id}@{request.host.split(':')[0] or 'zhibo'}"


def feed(episodes: Iterable[Episode], *, now: datetime, name: str) -> bytes:
    """A VCALENDAR with one VEVENT per episode (times in UTC)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for episode in episodes:
        event = Event()
        event.add("uid", uid_of(episode))
        event.add("dtstamp", now)
        event.add("dtstart", episode.scheduled_start)
        event.add("dtend", episode.scheduled_start + timedelta(minutes=episode.expected_minutes))
        event.add("summary", f"第{episode.number}期 {episode.title}")
        if episode.summary:
            event.add("description", episode.summary)
        if episode.area:
            event.add("location", episode.area)
        event.add("url", url_for("episodes.detail", episode_id=episode.id, _external=True))
        event.add("status", "TENTATIVE" if episode.state == "draft" else "CONFIRMED")
        event.add("sequence", 0)
        cal.add_component(event)
    return cal.to_ical()
