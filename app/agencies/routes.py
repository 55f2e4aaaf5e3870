"""Agency pages: the list of agencies and each agency's public record."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from app.agencies import queries
from app.agencies.models import Agency
from app.core.i18n import current_lang
from app.episodes.queries import agency_episodes
from app.findings.queries import agency_findings, agency_reports
from app.stats import cache

bp = Blueprint("agencies", __name__)

#: How many of an agency's latest findings and reports its page lists (the board has the rest).
RECENT = 20


@bp.route("/agencies")
def index():
    """Every agency with its figures."""
    snap = cache.snapshot()

    def render() -> str:
        agencies = queries.all_agencies()
        return render_template("agencies/_index_body.html", agencies=agencies, snap=snap)

    return render_template("agencies/index.html", body=cache.fragment(snap, ("agencies", current_lang()), render))


@bp.route("/agencies/<slug>")
def detail(slug: str):
    """One agency: figures, episodes, latest findings and follow-ups, answers to observer notes.

    Everything below the header is rendered once per statistics snapshot (at most 60 s old, and
    rebuilt after any write to episodes, findings, follow-ups or observer notes).
    """
    agency = queries.agency_by_slug(slug)
    if agency is None:
        abort(404)
    snap = cache.snapshot()
    return render_template("agencies/detail.html", agency=agency, body=cache.fragment(
        snap, ("agency", slug, current_lang()), lambda: _detail_body(agency, snap)))


def _detail_body(agency: Agency, snap) -> str:
    """The agency page's content as of the snapshot."""
    episodes = agency_episodes(agency.id)
    findings = agency_findings(agency.id, RECENT)
    reports = agency_reports(agency.id, RECENT)
    return render_template("agencies/_detail_body.html", agency=agency, snap=snap,
                           figures=snap.agencies.get(agency.slug), episodes=episodes, findings=findings,
                           reports=reports, now=snap.generated_at)
