"""API schemas of polls, topics, results, votes and tallies (marshmallow; they also make the OpenAPI)."""
from __future__ import annotations

from datetime import timezone

from marshmallow import Schema, fields, validate

from app.core.places import PLACE_KINDS
from app.polls.models import POLL_STATES


class TopicSchema(Schema):
    """A topic. Pending, rejected and merged ones reach only their proposer and the coordinator."""

    id = fields.Integer()
    poll_id = fields.Integer()
    title = fields.String()
    domain = fields.Function(lambda t: t.domain.code if t.domain else None, metadata={"description": "domain code"})
    description = fields.String()
    place_kind = fields.String()
    state = fields.String(metadata={"description": "pending, approved, rejected or merged"})
    rejection_reason = fields.String(allow_none=True)
    merged_into_id = fields.Integer(allow_none=True)
    photo_url = fields.Function(lambda t: f"/polls/topics/{t.id}/photo" if t.photo_path else None)
    created_at = fields.DateTime()


class TopicCountSchema(Schema):
    """One approved topic's counts."""

    topic_id = fields.Integer()
    title = fields.String()
    online = fields.Integer()
    offline = fields.Integer()
    total = fields.Integer()


class ResultsSchema(Schema):
    """A poll's counts. While counts are hidden (counts_visible false) only poll_id, state and
    counts_visible are present: no number at all until the poll closes."""

    poll_id = fields.Integer()
    state = fields.String()
    counts_visible = fields.Boolean()
    online = fields.Integer()
    offline = fields.Integer()
    total = fields.Integer()
    voters = fields.Integer()
    topics = fields.List(fields.Nested(TopicCountSchema))


class PollSchema(Schema):
    """A topic poll."""

    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    votes_per_person = fields.Integer()
    proposals_open = fields.Boolean()
    counts_visible = fields.Boolean()
    state = fields.String(metadata={"description": "draft, open, closed or decided"})
    opened_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    decided_topic_id = fields.Integer(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class PollDetailSchema(PollSchema):
    """A poll with the topics the caller may see, the caller's votes, results and the episode."""

    topics = fields.List(fields.Nested(TopicSchema))
    my_votes = fields.List(fields.Integer(), metadata={"description": "topic ids the caller voted for"})
    results = fields.Nested(ResultsSchema)
    episode_id = fields.Integer(allow_none=True, metadata={"description": "the episode created from the decision"})


class VoteSchema(Schema):
    """A recorded vote."""

    id = fields.Integer()
    poll_id = fields.Integer()
    topic_id = fields.Integer()
    slot = fields.Integer(metadata={"description": "which of the caller's votes this is (1..votes_per_person)"})
    created_at = fields.DateTime()


class TallySchema(Schema):
    """An offline count."""

    id = fields.Integer()
    topic_id = fields.Integer()
    source = fields.String()
    collected_on = fields.Date()
    count = fields.Integer()
    edit_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime(allow_none=True)


class PollListArgs(Schema):
    """?state= and paging."""

    state = fields.String(validate=validate.OneOf(POLL_STATES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


_when = {"default_timezone": timezone.utc}


class PollCreateArgs(Schema):
    """A new poll (times in ISO 8601; without an offset they are UTC)."""

    title = fields.String(required=True)
    description = fields.String(load_default="")
    opens_at = fields.AwareDateTime(required=True, **_when)
    closes_at = fields.AwareDateTime(required=True, **_when)
    votes_per_person = fields.Integer(load_default=1, strict=True)
    proposals_open = fields.Boolean(load_default=True)
    counts_visible = fields.Boolean(load_default=True)


class PollUpdateArgs(Schema):
    """Changes to a poll (only the fields given)."""

    title = fields.String()
    description = fields.String()
    opens_at = fields.AwareDateTime(**_when)
    closes_at = fields.AwareDateTime(**_when)
    votes_per_person = fields.Integer(strict=True)
    proposals_open = fields.Boolean()
    counts_visible = fields.Boolean()


class TopicArgs(Schema):
    """A candidate topic (coordinator)."""

    title = fields.String(required=True)
    domain = fields.String(required=True, metadata={"description": "domain code, see /api/v1/domains"})
    description = fields.String(load_default="")
    place_kind = fields.String(load_default="other", metadata={"enum": list(PLACE_KINDS)})


class ProposalArgs(Schema):
    """A public proposal (photos are accepted on the poll page)."""

    title = fields.String(required=True)
    domain = fields.String(required=True, metadata={"description": "domain code"})
    why = fields.String(required=True)
    place_kind = fields.String(load_default="other", metadata={"enum": list(PLACE_KINDS)})


class ReviewArgs(Schema):
    """The coordinator's review of a proposal."""

    action = fields.String(required=True, validate=validate.OneOf(("approve", "reject", "merge")))
    reason = fields.String(load_default="", metadata={"description": "required to reject; shown to the proposer"})
    into_topic_id = fields.Integer(strict=True, metadata={"description": "required to merge"})


class VoteArgs(Schema):
    """A vote."""

    topic_id = fields.Integer(required=True, strict=True)


class TallyArgs(Schema):
    """An offline count."""

    topic_id = fields.Integer(required=True, strict=True)
    source = fields.String(required=True)
    collected_on = fields.Date(required=True)
    count = fields.Integer(required=True, strict=True)


class TallyEditArgs(Schema):
    """A correction of an offline count; the reason is required."""

    reason = fields.String(required=True)
    source = fields.String()
    collected_on = fields.Date()
    count = fields.Integer(strict=True)


class DecisionArgs(Schema):
    """The chosen topic, and a public reason when it did not lead."""

    topic_id = fields.Integer(required=True, strict=True)
    reason = fields.String(load_default="")
