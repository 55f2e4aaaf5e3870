"""API: episodes (read side; the live room adds its own endpoints)."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.api.envelope import PageArgs, envelope, errors_doc, ok, paginate
from app.api.schemas import EpisodeListArgs, EpisodeSchema
from app.core.auth import current_actor
from app.core.errors import NotFound
from app.episodes.models import Episode
from app.episodes.queries import filter_episodes, visible_episodes
from app.extensions import db

blp = Blueprint("api_episodes", __name__, url_prefix="/api/v1", description="Episodes")
_alt = errors_doc(blp)


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
@blp.response(200, envelope(EpisodeSchema))
@_alt("404")
def get_episode(episode_id: int):
    """One episode (drafts are "not found" to those who may not see them)."""
    episode = db.session.scalar(visible_episodes(current_actor()).where(Episode.id == episode_id))
    if episode is None:
        raise NotFound(code="episode_not_found")
    return ok(episode)
