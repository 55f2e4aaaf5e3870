"""API: the program's statistics (the same cached snapshot as the statistics page and the open data)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.agencies.queries import agency_by_slug, names
from app.api.envelope import envelope, errors_doc, ok
from app.core.errors import NotFound
from app.core.i18n import current_lang
from app.stats import cache

blp = Blueprint("api_stats", __name__, url_prefix="/api/v1", description="Statistics")
_alt = errors_doc(blp)


class RatesSchema(Schema):
    """Finding counts and rates (rates over due findings; null when none is due)."""

    findings = fields.Integer()
    due = fields.Integer(metadata={"description": "n: findings whose deadline has passed"})
    rectified = fields.Integer()
    on_time = fields.Integer()
    rectification_rate = fields.Float(allow_none=True)
    on_time_rate = fields.Float(allow_none=True)
    median_days_to_rectify = fields.Float(allow_none=True)
    overdue = fields.Integer()


class FiguresSchema(RatesSchema):
    """The statistics page's headline figures."""

    episodes = fields.Integer()
    total_views = fields.Integer()
    average_views = fields.Integer()
    peak_viewers = fields.Integer()
    agencies = fields.Integer()
    observers = fields.Integer()
    domains = fields.Integer()


class StatsSchema(Schema):
    """Figures and chart series as of generated_at."""

    generated_at = fields.DateTime()
    figures = fields.Nested(FiguresSchema)
    charts = fields.Dict(metadata={"description": "over_time, by_domain, by_agency: labels and series"})
    names = fields.Dict(metadata={"description": "domain code or agency slug → name in the caller's language"})


class AgencyStatsSchema(RatesSchema):
    """One agency's figures."""

    generated_at = fields.DateTime()
    slug = fields.String()
    episodes = fields.Integer()
    follow_ups = fields.Integer()


@blp.get("/stats")
@blp.response(200, envelope(StatsSchema))
def get_stats():
    """The program's figures and chart series (cached; the same snapshot as the open data)."""
    snap = cache.snapshot()
    return ok({"generated_at": snap.generated_at, "figures": snap.figures, "charts": snap.charts,
               "names": names(current_lang())})


@blp.get("/stats/agencies/<slug>")
@blp.response(200, envelope(AgencyStatsSchema))
@_alt("404")
def get_agency_stats(slug: str):
    """One agency's figures: held episodes, published follow-ups, finding rates, overdue."""
    if agency_by_slug(slug) is None:
        raise NotFound(code="agency_not_found")
    snap = cache.snapshot()
    empty = {"episodes": 0, "follow_ups": 0, "findings": 0, "due": 0, "rectified": 0, "on_time": 0,
             "rectification_rate": None, "on_time_rate": None, "median_days_to_rectify": None, "overdue": 0}
    return ok({"generated_at": snap.generated_at, "slug": slug, **snap.agencies.get(slug, empty)})
