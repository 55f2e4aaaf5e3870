"""API: the live room (comments since a sequence, questions, live notes, likes and counts)."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.envelope import envelope, errors_doc, ok, paginate
from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import Unavailable
from app.live import comments, likecounters, notes, presence, relay, seqs
from app.live.access import visible_episode
from app.live.models import COMMENT_KINDS, COMMENT_MAX_LENGTH, Comment

blp = Blueprint("api_live", __name__, url_prefix="/api/v1", description="Live room")
_alt = errors_doc(blp)


class LiveCommentSchema(Schema):
    """A published comment or question."""

    id = fields.Integer()
    seq = fields.Integer(metadata={"description": "Order within the episode; resume after the last one seen"})
    kind = fields.String()
    body = fields.String()
    author = fields.Function(lambda c: c.user.display_name if c.user else "")
    author_role = fields.Function(lambda c: c.user.role if c.user else "public")
    observer_kind = fields.String(allow_none=True, metadata={
        "description": "The author's observer kind (deputy, cppcc, expert, citizen, supervisor) or null"})
    offset_seconds = fields.Integer(allow_none=True, metadata={"description": "Seconds from the live start"})
    upvotes = fields.Integer()
    state = fields.String(metadata={"description": "published, or held when the word filter caught it"})
    answer = fields.String(attribute="answer_body", allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def comment_json(c: Comment) -> dict:
    """Exactly what LiveCommentSchema dumps, built directly.

    The comment list is the resume and replay path (200–500 comments a request); marshmallow's
    per-field work was half of its time (bench/live/history.py). A test keeps the two equal.
    """
    user = c.user
    return {"id": c.id, "seq": c.seq, "kind": c.kind, "body": c.body,
            "author": user.display_name if user else "", "author_role": user.role if user else "public",
            "observer_kind": c.observer_kind, "offset_seconds": c.offset_seconds, "upvotes": c.upvotes,
            "state": c.state, "answer": c.answer_body, "answered_at": _iso(c.answered_at),
            "created_at": _iso(c.created_at)}


class LegalBasisSchema(Schema):
    """A statute and article."""

    id = fields.Integer()
    statute = fields.Function(lambda b: b.statute.title)
    article = fields.String()
    excerpt = fields.String()


class LiveNoteSchema(Schema):
    """A live note (图文讲解)."""

    id = fields.Integer()
    body = fields.String()
    image_url = fields.Function(lambda n: f"/live/note-images/{n.image_path}" if n.image_path else None,
                                allow_none=True)
    legal_basis = fields.Nested(LegalBasisSchema, allow_none=True)
    author = fields.Function(lambda n: n.author.display_name if n.author else "")
    offset_seconds = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class LiveCountsSchema(Schema):
    """Counts of an episode's live room."""

    state = fields.String()
    likes = fields.Integer()
    viewers = fields.Integer(metadata={"description": "Current viewers connected to this server process"})
    peak_viewers = fields.Integer()
    views = fields.Integer(metadata={"description": "Distinct viewers"})
    last_seq = fields.Integer()
    comments = fields.Integer(metadata={"description": "Published comments and questions"})


class CommentMeta(Schema):
    """Paging facts: page numbers, or the keyset (since_seq, more, last_seq)."""

    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()
    since_seq = fields.Integer()
    limit = fields.Integer()
    more = fields.Boolean()
    last_seq = fields.Integer()


CommentListEnvelope = Schema.from_dict({"ok": fields.Boolean(required=True),
                                        "data": fields.List(fields.Nested(LiveCommentSchema)),
                                        "meta": fields.Nested(CommentMeta)}, name="LiveCommentKeysetEnvelope")


class CommentListArgs(Schema):
    """?since_seq=&limit= (keyset, oldest first) or ?page=&per_page= (newest first)."""

    since_seq = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


class CommentCreateArgs(Schema):
    """Body of POST /episodes/{id}/comments."""

    body = fields.String(required=True, validate=validate.Length(max=COMMENT_MAX_LENGTH * 4))
    kind = fields.String(load_default="comment", validate=validate.OneOf(COMMENT_KINDS))


@blp.get("/episodes/<int:episode_id>/comments")
@blp.arguments(CommentListArgs, location="query", as_kwargs=True)
@blp.response(200, CommentListEnvelope)
@_alt("404", "422")
def list_comments(episode_id: int, limit: int, page: int, per_page: int, since_seq: int | None = None):
    """Published comments: `since_seq` for everything after a sequence (resume, replay), else pages, newest first."""
    episode = visible_episode(current_actor(), episode_id)
    if since_seq is not None:
        rows, more = comments.history(episode.id, since_seq, limit)
        meta = {"since_seq": since_seq, "limit": limit, "more": more, "last_seq": rows[-1].seq if rows else since_seq}
    else:
        rows, meta = paginate(comments.published(episode.id).order_by(Comment.seq.desc()), page, per_page)
    return jsonify(ok([comment_json(c) for c in rows], meta))  # a Response: the envelope schema documents it


@blp.post("/episodes/<int:episode_id>/comments")
@blp.arguments(CommentCreateArgs)
@blp.response(201, envelope(LiveCommentSchema))
@_alt("401", "403", "404", "409", "422", "429")
def post_comment(args: dict, episode_id: int):
    """Comment or ask a question in a live episode (logged in). A filtered comment is stored as held (not shown until approved)."""
    if not relay.available(current_app):  # 503 unavailable: it would reach no viewer on another process
        raise Unavailable()
    with unit_of_work():
        comment = comments.post_comment(current_actor(), episode_id, args["body"], kind=args["kind"],
                                        now=clock.now(), ip=request.remote_addr)
    return ok(comment)


@blp.get("/episodes/<int:episode_id>/questions")
@blp.response(200, envelope(LiveCommentSchema, many=True))
@_alt("404")
def list_questions(episode_id: int):
    """Published questions ranked by upvotes, with their answers."""
    episode = visible_episode(current_actor(), episode_id)
    return ok(comments.questions(episode.id))


@blp.get("/episodes/<int:episode_id>/notes")
@blp.response(200, envelope(LiveNoteSchema, many=True))
@_alt("404")
def list_notes(episode_id: int):
    """Live notes in time order, with their legal basis."""
    episode = visible_episode(current_actor(), episode_id)
    return ok(notes.notes(episode.id))


@blp.get("/episodes/<int:episode_id>/live")
@blp.response(200, envelope(LiveCountsSchema))
@_alt("404")
def live_counts(episode_id: int):
    """Likes (including those not yet written), current and peak viewers, views, last comment seq."""
    episode = visible_episode(current_actor(), episode_id)
    running = likecounters.counter().total(episode.id)
    return ok({"state": episode.state, "likes": running if running is not None else episode.like_count,
               "viewers": presence.current(episode.id), "peak_viewers": episode.peak_viewers,
               "views": episode.view_count, "last_seq": seqs.last(episode.id), "comments": comments.published_count(episode.id)})
