"""API: episodes: reads for everyone; create, update and lifecycle steps for the coordinator; reminders."""
from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.envelope import PageArgs, envelope, errors_doc, ok, paginate
from app.api.schemas import EpisodeListArgs, EpisodeSchema
from app.core import clock
from app.core.auth import current_actor, require_login
from app.core.db import unit_of_work
from app.core.errors import NotFound
from app.core.places import PLACE_KINDS
from app.episodes import services
from app.episodes.models import STREAM_KINDS, Episode
from app.episodes.queries import filter_episodes, visible_episodes
from app.extensions import db

blp = Blueprint("api_episodes", __name__, url_prefix="/api/v1", description="Episodes")
_alt = errors_doc(blp)


class EpisodeDetailSchema(EpisodeSchema):
    """An episode with its lifecycle times and links (cover, iCalendar)."""

    published_at = fields.DateTime(allow_none=True)
    follow_up_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    observer_capacity = fields.Integer()
    cover_url = fields.Method("get_cover_url", allow_none=True)
    ics_url = fields.Method("get_ics_url")
    page_url = fields.Method("get_page_url")

    def get_cover_url(self, obj) -> str | None:
        return url_for("episodes.cover", episode_id=obj.id) if obj.cover_path else None

    def get_ics_url(self, obj) -> str:
        return url_for("episodes.episode_calendar", episode_id=obj.id)

    def get_page_url(self, obj) -> str:
        return url_for("episodes.detail", episode_id=obj.id)


class _EpisodeFields(Schema):
    """Fields shared by create and update (all optional here)."""

    number = fields.Integer(validate=validate.Range(min=1, max=100000), allow_none=True)
    topic_id = fields.Integer(allow_none=True)
    summary = fields.String(validate=validate.Length(max=5000))
    place_kind = fields.String(validate=validate.OneOf(PLACE_KINDS))
    area = fields.String(validate=validate.Length(max=80))
    host_name = fields.String(validate=validate.Length(max=40))
    host_user_id = fields.Integer(allow_none=True)
    expected_minutes = fields.Integer(validate=validate.Range(min=1, max=720))
    stream_kind = fields.String(validate=validate.OneOf(STREAM_KINDS))
    stream_url = fields.String(allow_none=True, metadata={"description": "http(s) URL or a path on this site (/…): .m3u8 or the partner's player"})
    replay_url = fields.String(allow_none=True, metadata={"description": "http(s) URL or a path on this site (/…) of the recording"})
    observer_capacity = fields.Integer(validate=validate.Range(min=0, max=1000))


class EpisodeCreateArgs(_EpisodeFields):
    """Body of POST /episodes: a draft; the first agency leads."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    domain_id = fields.Integer(required=True)
    agency_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=20))
    scheduled_start = fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with offset"})


class EpisodeUpdateArgs(_EpisodeFields):
    """Body of PATCH /episodes/{id}: only the given fields change."""

    title = fields.String(validate=validate.Length(min=1, max=120))
    domain_id = fields.Integer()
    agency_ids = fields.List(fields.Integer(), validate=validate.Length(min=1, max=20))
    scheduled_start = fields.AwareDateTime()


class TransitionArgs(Schema):
    """Body of POST /episodes/{id}/transition."""

    step = fields.String(required=True, validate=validate.OneOf(tuple(services.TRANSITIONS)),
                         metadata={"description": "publish, go_live, end, start_follow_up or close"})


class ReminderSchema(Schema):
    """Whether the caller will be reminded 30 minutes before the start."""

    episode_id = fields.Integer()
    following = fields.Boolean()


@blp.get("/episodes")
@blp.arguments(EpisodeListArgs, location="query", as_kwargs=True)
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, envelope(EpisodeSchema, paged=True))
@_alt("422")
def list_episodes(page: int, per_page: int, state: str | None = None, domain: str | None = None,
                  agency: str | None = None):
    """Episodes, newest first, filtered by state, domain code or agency slug."""
    query = filter_episodes(visible_episodes(current_actor()), state, domain, agency)
    items, meta = paginate(query.order_by(Episode.scheduled_start.desc(), Episode.id.desc()), page, per_page)
    return ok(items, meta)


@blp.get("/episodes/<int:episode_id>")
@blp.response(200, envelope(EpisodeDetailSchema))
@_alt("404")
def get_episode(episode_id: int):
    """One episode (drafts are "not found" to those who may not see them)."""
    episode = db.session.scalar(visible_episodes(current_actor()).where(Episode.id == episode_id))
    if episode is None:
        raise NotFound(code="episode_not_found")
    return ok(episode)


@blp.post("/episodes")
@blp.arguments(EpisodeCreateArgs)
@blp.response(201, envelope(EpisodeDetailSchema))
@_alt("401", "403", "409", "422")
def create_episode(args: dict):
    """Create a draft episode (coordinator)."""
    actor = current_actor()
    require_login(actor)
    with unit_of_work():
        episode = services.create_episode(actor, now=clock.now(), **args)
    return ok(episode)


@blp.patch("/episodes/<int:episode_id>")
@blp.arguments(EpisodeUpdateArgs)
@blp.response(200, envelope(EpisodeDetailSchema))
@_alt("401", "403", "404", "409", "422")
def update_episode(args: dict, episode_id: int):
    """Change an episode's fields (coordinator; not once closed)."""
    actor = current_actor()
    require_login(actor)
    with unit_of_work():
        episode = services.update_episode(actor, episode_id, now=clock.now(), **args)
    return ok(episode)


@blp.post("/episodes/<int:episode_id>/transition")
@blp.arguments(TransitionArgs)
@blp.response(200, envelope(EpisodeDetailSchema))
@_alt("401", "403", "404", "409", "422")
def transition_episode(args: dict, episode_id: int):
    """One lifecycle step; go_live and end also for the host user and the lead agency's staff."""
    actor = current_actor()
    require_login(actor)
    with unit_of_work():
        episode = services.transition(actor, episode_id, args["step"], now=clock.now())
    return ok(episode)


@blp.post("/episodes/<int:episode_id>/reminder")
@blp.response(200, envelope(ReminderSchema))
@_alt("401", "404")
def add_reminder(episode_id: int):
    """Remind me 30 minutes before the start (idempotent)."""
    actor = current_actor()
    require_login(actor)
    with unit_of_work():
        services.remind_me(actor, episode_id, now=clock.now(), on=True)
    return ok({"episode_id": episode_id, "following": True})


@blp.delete("/episodes/<int:episode_id>/reminder")
@blp.response(200, envelope(ReminderSchema))
@_alt("401", "404")
def remove_reminder(episode_id: int):
    """Stop the reminder (idempotent)."""
    actor = current_actor()
    require_login(actor)
    with unit_of_work():
        services.remind_me(actor, episode_id, now=clock.now(), on=False)
    return ok({"episode_id": episode_id, "following": False})
