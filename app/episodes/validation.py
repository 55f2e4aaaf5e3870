"""Field rules for episodes: each bad value raises ValidationFailed with its own stable code."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.agencies.models import Agency, Domain
from app.core.errors import Conflict, ValidationFailed
from app.core.places import PLACE_KINDS
from app.episodes.models import STREAM_KINDS, Episode
from app.extensions import db
from app.polls.models import Topic

TITLE_MAX = 120
SUMMARY_MAX = 5000
AREA_MAX = 80
HOST_NAME_MAX = 40
URL_MAX = 500
MINUTES_MAX = 12 * 60
CAPACITY_MAX = 1000
#: The optional keyword details create_episode/update_episode accept.
DETAIL_FIELDS = ("summary", "place_kind", "area", "host_name", "host_user_id", "expected_minutes",
                 "stream_kind", "stream_url", "replay_url", "observer_capacity")


def _fail(field: str, code: str, message) -> ValidationFailed:
    return ValidationFailed(message, code=code, details={"fields": {field: [str(message)]}})


def clean_title(title: Any) -> str:
    """A title of 1–120 characters, trimmed."""
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > TITLE_MAX:
        raise _fail("title", "episode_title_invalid", _l("The title must be 1 to 120 characters."))
    return title.strip()


def check_domain(domain_id: Any) -> int:
    """An existing domain id."""
    if not isinstance(domain_id, int) or isinstance(domain_id, bool) or db.session.get(Domain, domain_id) is None:
        raise _fail("domain_id", "episode_domain_invalid", _l("Choose an existing enforcement domain."))
    return domain_id


def check_agencies(agency_ids: Any) -> list[int]:
    """One or more existing agency ids, duplicates removed, order kept (first is lead)."""
    if not isinstance(agency_ids, (list, tuple)) or not agency_ids:
        raise _fail("agency_ids", "episode_agencies_required", _l("Choose at least one agency."))
    ids: list[int] = []
    for value in agency_ids:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail("agency_ids", "episode_agency_invalid", _l("Choose existing agencies."))
        if value not in ids:
            ids.append(value)
    found = set(db.session.scalars(select(Agency.id).where(Agency.id.in_(ids))))
    if found != set(ids):
        raise _fail("agency_ids", "episode_agency_invalid", _l("Choose existing agencies."))
    return ids


def check_start(start: Any, now: datetime, *, future: bool = True) -> datetime:
    """A timezone-aware start time, in the future unless told otherwise."""
    if not isinstance(start, datetime) or start.tzinfo is None:
        raise _fail("scheduled_start", "episode_start_invalid", _l("Give a start date and time."))
    if future and start <= now:
        raise _fail("scheduled_start", "episode_start_in_past", _l("The start time must be in the future."))
    return start


def check_topic(topic_id: Any, episode_id: int | None = None) -> int | None:
    """An existing topic not yet used by another episode (or None)."""
    if topic_id is None:
        return None
    if not isinstance(topic_id, int) or isinstance(topic_id, bool) or db.session.get(Topic, topic_id) is None:
        raise _fail("topic_id", "episode_topic_invalid", _l("Choose an existing topic."))
    other = db.session.scalar(select(Episode.id).where(Episode.topic_id == topic_id))
    if other is not None and other != episode_id:
        raise Conflict(_l("This topic already has an episode."), code="episode_topic_taken")
    return topic_id


def next_number() -> int:
    """The next free episode number (one more than the highest)."""
    highest = db.session.scalar(select(db.func.max(Episode.number)))
    return (highest or 0) + 1


def check_number(number: Any, episode_id: int | None = None) -> int:
    """A positive episode number no other episode uses."""
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 100_000:
        raise _fail("number", "episode_number_invalid", _l("The episode number must be a positive whole number."))
    other = db.session.scalar(select(Episode.id).where(Episode.number == number))
    if other is not None and other != episode_id:
        raise Conflict(_l("Another episode already has this number."), code="episode_number_taken")
    return number


def check_url(field: str, value: Any) -> str | None:
    """An http(s) URL or a path on this site ("/static/…"), at most 500 characters; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    code = f"episode_{field}_invalid"
    message = _l("Give a web address starting with https:// or http://, or a path on this site starting with /.")
    if not isinstance(value, str) or len(value.strip()) > URL_MAX:
        raise _fail(field, code, message)
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    # A site path (the demo's recordings are served by the site itself) has no scheme and no host;
    # "//host/…" and "/\\host" would leave the site, so they are refused.
    site_path = (parts is not None and not parts.scheme and not parts.netloc and value.startswith("/")
                 and not value.startswith(("//", "/\\")) and "\\" not in value)
    web = parts is not None and parts.scheme in ("https", "http") and bool(parts.netloc)
    if not (site_path or web) or any(c.isspace() for c in value):
        raise _fail(field, code, message)
    return value


def _text(field: str, value: Any, limit: int, code: str, message) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value.strip()) > limit or "\x00" in value:
        raise _fail(field, code, message)
    return value.strip()


def _int(field: str, value: Any, low: int, high: int, code: str, message) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _fail(field, code, message)
    return value


def clean_details(details: dict[str, Any]) -> dict[str, Any]:
    """Validate the optional detail fields; returns the cleaned values to set."""
    unknown = sorted(set(details) - set(DETAIL_FIELDS))
    if unknown:
        raise ValidationFailed(_l("Unknown episode fields."), code="episode_field_unknown",
                               details={"fields": {name: ["unknown"] for name in unknown}})
    out: dict[str, Any] = {}
    for name, value in details.items():
        if name == "summary":
            out[name] = _text(name, value, SUMMARY_MAX, "episode_summary_invalid",
                              _l("The summary may have at most 5000 characters."))
        elif name == "area":
            out[name] = _text(name, value, AREA_MAX, "episode_area_invalid",
                              _l("The area may have at most 80 characters."))
        elif name == "host_name":
            out[name] = _text(name, value, HOST_NAME_MAX, "episode_host_name_invalid",
                              _l("The host's name may have at most 40 characters."))
        elif name == "place_kind":
            if value not in PLACE_KINDS:
                raise _fail(name, "episode_place_kind_invalid", _l("Choose a kind of place from the list."))
            out[name] = value
        elif name == "stream_kind":
            if value not in STREAM_KINDS:
                raise _fail(name, "episode_stream_kind_invalid", _l("The stream kind must be HLS or an embedded player."))
            out[name] = value
        elif name in ("stream_url", "replay_url"):
            out[name] = check_url(name, value)
        elif name == "expected_minutes":
            out[name] = _int(name, value, 1, MINUTES_MAX, "episode_duration_invalid",
                             _l("The expected duration must be 1 to 720 minutes."))
        elif name == "observer_capacity":
            out[name] = _int(name, value, 0, CAPACITY_MAX, "episode_capacity_invalid",
                             _l("The observer capacity must be 0 to 1000."))
        elif name == "host_user_id":
            out[name] = check_host_user(value)
    return out


def check_host_user(value: Any) -> int | None:
    """An existing, not banned user who hosts the live (or None)."""
    if value is None:
        return None
    user = db.session.get(User, value) if isinstance(value, int) and not isinstance(value, bool) else None
    if user is None or user.banned_at is not None:
        raise _fail("host_user_id", "episode_host_invalid", _l("Choose an existing user as the host."))
    return value
