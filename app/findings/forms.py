"""Forms of the follow-up loop (Flask-WTF: CSRF on each). They parse input; services hold the rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (BooleanField, DateField, DateTimeLocalField, IntegerField, RadioField, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import Optional

from app.episodes.forms import to_utc

LOCAL = "%Y-%m-%dT%H:%M"
SEVERITY_LABELS = {"minor": _l("Minor"), "moderate": _l("Moderate"), "serious": _l("Serious")}
OUTCOME_LABELS = {"rectified": _l("Rectified"), "partly_rectified": _l("Partly rectified"),
                  "not_rectified": _l("Not rectified")}


def files(field) -> list[tuple[bytes, str]]:
    """(bytes, filename) of the files uploaded in a multiple-file field."""
    return [(f.read(), f.filename or "") for f in (field.data or []) if f and getattr(f, "filename", "")]


class FindingForm(FlaskForm):
    """Record a finding."""

    party_name = StringField(_l("Inspected party"), render_kw={"maxlength": 120})
    party_address = StringField(_l("Address"), render_kw={"maxlength": 200})
    area = StringField(_l("Area"), render_kw={"maxlength": 80})
    description = TextAreaField(_l("Problem found"), render_kw={"rows": 4})
    domain_id = SelectField(_l("Domain"), coerce=int)
    legal_basis_id = SelectField(_l("Legal basis cited"), coerce=int, validators=[Optional()])
    enforcement_item_id = SelectField(_l("Enforcement item"), coerce=int, validators=[Optional()])
    discretion_level_id = SelectField(_l("Circumstance (discretion standard)"), coerce=int, validators=[Optional()])
    severity = SelectField(_l("Severity"), choices=list(SEVERITY_LABELS.items()), default="moderate")
    agency_id = SelectField(_l("Responsible agency"), coerce=int)
    rectify_by = DateTimeLocalField(_l("Rectification deadline (Beijing time)"), format=LOCAL,
                                    validators=[Optional()])
    replay_minute = IntegerField(_l("Shown at minute of the replay"), validators=[Optional()])
    photos = MultipleFileField(_l("Evidence photos"),
                               description=_l("JPEG, PNG or WebP, at most 5 MB each; location data is removed."))

    def values(self) -> dict:
        """The service's keywords."""
        minute = self.replay_minute.data
        return {"party_name": self.party_name.data or "", "party_address": self.party_address.data or "",
                "area": self.area.data or "", "description": self.description.data or "",
                "domain_id": self.domain_id.data, "legal_basis_id": self.legal_basis_id.data or None,
                "enforcement_item_id": self.enforcement_item_id.data or None,
                "discretion_level_id": self.discretion_level_id.data or None,
                "severity": self.severity.data, "agency_id": self.agency_id.data,
                "rectify_by": to_utc(self.rectify_by.data) if self.rectify_by.data else None,
                "replay_offset_seconds": minute * 60 if minute is not None else None,
                "photo_files": files(self.photos)}


class ReportForm(FlaskForm):
    """Write a follow-up report (per-finding outcomes are read from outcome_<id> / further_<id>)."""

    reinspected_on = DateField(_l("Date of the reinspection"), validators=[Optional()])
    body = TextAreaField(_l("Report"), render_kw={"rows": 10},
                         description=_l("Markdown: ## headings, **bold**, lists, links, tables."))
    publish_at = DateTimeLocalField(_l("Publish at (Beijing time)"), format=LOCAL, validators=[Optional()])
    publish_now = BooleanField(_l("Publish now (as soon as the coordinator approves)"))
    photos = MultipleFileField(_l("Photos of the reinspection"),
                               description=_l("JPEG, PNG or WebP, at most 5 MB each; location data is removed."))
    action = StringField(default="submit")

    def values(self) -> dict:
        """The service's keywords (without outcomes)."""
        return {"reinspected_on": self.reinspected_on.data, "body": self.body.data or "",
                "publish_at": to_utc(self.publish_at.data) if self.publish_at.data else None,
                "publish_now": bool(self.publish_now.data), "submit": self.action.data != "draft",
                "photo_files": files(self.photos)}


class ReviewForm(FlaskForm):
    """Approve or return a report."""

    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve")), ("return", _l("Send back"))])
    reason = TextAreaField(_l("Reason (required when sending back)"), render_kw={"rows": 3})


class CorrectionForm(FlaskForm):
    """Correct a published report."""

    body = TextAreaField(_l("Corrected report"), render_kw={"rows": 10})
    reason = StringField(_l("Reason for the correction"), render_kw={"maxlength": 500})


class ConfirmForm(FlaskForm):
    """Confirm or dispute a published rectification."""

    verdict = RadioField(_l("Your word"), choices=[("confirmed", _l("Confirmed: it was rectified")),
                                                  ("not_rectified", _l("Not rectified"))])
    reason = TextAreaField(_l("What is still wrong?"), render_kw={"rows": 3})
    photo = MultipleFileField(_l("Photo (optional)"))


class DecisionForm(FlaskForm):
    """The coordinator's decision on a finding."""

    decision = SelectField(_l("Decision"), choices=[("uphold", _l("Uphold the rectification")),
                                                   ("reopen", _l("Reopen: the agency must rectify")),
                                                   ("close", _l("Close the finding"))])
    reason = StringField(_l("Reason"), render_kw={"maxlength": 500})


class FollowForm(FlaskForm):
    """Follow or unfollow (CSRF only)."""
