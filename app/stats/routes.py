"""Public statistics page and open-data downloads; the coordinator dashboard; monthly bulletins."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request, send_from_directory,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.agencies.queries import names
from app.core import clock
from app.core.auth import current_actor, require_role
from app.core.db import unit_of_work
from app.core.errors import DomainError
from app.core.i18n import current_lang
from app.stats import bulletins as bulletin_service
from app.stats import cache, opendata
from app.stats.dashboard import dashboard as dashboard_query

bp = Blueprint("stats", __name__)

#: The accessible table's rows, in order: (key, kind). kind: number, rate, days.
FIGURE_ROWS = (
    ("episodes", "number"), ("total_views", "number"), ("average_views", "number"),
    ("peak_viewers", "number"), ("agencies", "number"), ("observers", "number"), ("domains", "number"),
    ("findings", "number"), ("due", "number"), ("rectification_rate", "rate"), ("on_time_rate", "rate"),
    ("median_days_to_rectify", "days"), ("overdue", "number"),
)


@bp.record_once
def _install(state) -> None:
    """Invalidate the cached snapshot after commits that change counted tables."""
    cache.install_invalidation()


@bp.route("/statistics")
def statistics():
    """The program in figures, with charts and the same numbers in a table."""
    snap = cache.snapshot()

    def render() -> str:
        labels = names(current_lang())
        return render_template("stats/_index_body.html", snap=snap, rows=FIGURE_ROWS,
                               domain_names=labels, agency_names=labels)

    return render_template("stats/index.html", body=cache.fragment(snap, ("statistics", current_lang()), render))


@bp.route("/open-data")
def open_data():
    """The open datasets and their formats."""
    snap = cache.snapshot()
    counts = {name: len(snap.datasets[name]) for name in opendata.DATASETS}
    return render_template("stats/open_data.html", snap=snap, counts=counts, datasets=opendata.DATASETS)


@bp.route("/open-data/<name>.<fmt>")
def download(name: str, fmt: str):
    """One dataset as JSON or CSV (the same snapshot the statistics page shows)."""
    if name not in opendata.DATASETS or fmt not in opendata.FORMATS:
        abort(404)
    snap = cache.snapshot()
    mimetype = "application/json" if fmt == "json" else "text/csv; charset=utf-8"
    response = Response(opendata.encode(snap, name, fmt), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="zhibo-{name}.{fmt}"'
    response.headers["X-Data-Generated-At"] = snap.generated_at.isoformat()
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.route("/dashboard")
@login_required
def dashboard():
    """The coordinator's dashboard: polls to decide, moderation, reviews, overdue items, gaps in episodes."""
    require_role(current_actor(), "coordinator")
    return render_template("dashboard/index.html", board=dashboard_query(clock.now()), now=clock.now())


class BulletinForm(FlaskForm):
    """The coordinator asks for one month's bulletin."""

    month = StringField(_l("Month (YYYY-MM)"), validators=[DataRequired(), Length(max=7)])


@bp.route("/bulletins", methods=["GET", "POST"])
def bulletins():
    """The archive of monthly bulletins; the coordinator may generate one for any month."""
    actor = current_actor()
    form, status = (BulletinForm() if actor.is_coordinator else None), 200
    if form is not None and form.validate_on_submit():
        try:
            with unit_of_work():
                bulletin = bulletin_service.generate(actor, month=form.month.data.strip(), now=clock.now())
            flash(_("The bulletin for %(month)s is ready.", month=bulletin.month), "success")
            return redirect(url_for("stats.bulletin", month=bulletin.month))
        except DomainError as error:
            form.month.errors = [*form.month.errors, str(error.message)]
            status = error.status
    elif form is not None and request.method == "POST":
        status = 422
    elif request.method == "POST":
        require_role(actor, "coordinator")
    return render_template("stats/bulletins.html", bulletins=bulletin_service.archive(), form=form), status


@bp.route("/bulletins/<month>")
def bulletin(month: str):
    """One month's bulletin."""
    return render_template("stats/bulletin.html", bulletin=bulletin_service.get(month))


@bp.route("/bulletins/<month>.pdf")
def bulletin_pdf(month: str):
    """One month's bulletin as PDF."""
    item = bulletin_service.get(month)
    if not item.pdf_path:
        abort(404)
    return send_from_directory(bulletin_service.pdf_dir(), item.pdf_path, mimetype="application/pdf")
