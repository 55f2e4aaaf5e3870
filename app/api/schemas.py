"""Marshmallow schemas of the API's resources (output shapes)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.i18n import current_lang


class DomainSchema(Schema):
    """An enforcement domain."""

    id = fields.Integer()
    code = fields.String()
    name = fields.Method("get_name")

    def get_name(self, obj) -> str:
        return obj.name(current_lang())


class AgencyBriefSchema(Schema):
    """An agency in lists."""

    id = fields.Integer()
    slug = fields.String()
    name = fields.Method("get_name")
    short_name = fields.String()

    def get_name(self, obj) -> str:
        return obj.name(current_lang())


class AgencySchema(AgencyBriefSchema):
    """An agency with its domains."""

    description = fields.String()
    domains = fields.List(fields.Nested(DomainSchema))


class UserSchema(Schema):
    """The calling user."""

    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    agency = fields.Nested(AgencyBriefSchema, allow_none=True)


class TokenCreateArgs(Schema):
    """Body of POST /tokens."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=80))


class TokenSchema(Schema):
    """A personal API token (the secret only in the creation answer)."""

    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    secret = fields.String(dump_only=True)


class EpisodeSchema(Schema):
    """An episode as the public sees it."""

    id = fields.Integer()
    number = fields.Integer()
    title = fields.String()
    summary = fields.String()
    state = fields.String()
    domain = fields.Nested(DomainSchema)
    agencies = fields.List(fields.Nested(AgencyBriefSchema))
    place_kind = fields.String()
    area = fields.String()
    host_name = fields.String()
    scheduled_start = fields.DateTime()
    expected_minutes = fields.Integer()
    live_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    stream_kind = fields.String()
    stream_url = fields.String(allow_none=True)
    replay_url = fields.String(allow_none=True)
    like_count = fields.Integer()
    view_count = fields.Integer()
    peak_viewers = fields.Integer()
    topic_id = fields.Integer(allow_none=True)


class EpisodeListArgs(Schema):
    """Filters of GET /episodes."""

    state = fields.String(validate=validate.OneOf(
        ("draft", "scheduled", "live", "ended", "follow_up", "closed")))
    domain = fields.String(validate=validate.Length(max=40))
    agency = fields.String(validate=validate.Length(max=60))
