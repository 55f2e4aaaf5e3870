"""Episode forms (Flask-WTF: CSRF on each). Business rules stay in the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (DateTimeLocalField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

# display_zone, to_local and to_utc live in core.clock; imported here too for the forms of other areas.
from app.core.clock import display_zone, to_local, to_utc  # noqa: F401
from app.core.places import PLACE_KINDS, PLACE_LABELS  # noqa: F401 (PLACE_LABELS: for pages)


class EpisodeForm(FlaskForm):
    """Create or edit an episode."""

    number = IntegerField(_l("Episode number"), validators=[Optional(), NumberRange(min=1, max=100000)],
                          description=_l("Leave empty for the next free number."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=5000)])
    domain_id = SelectField(_l("Enforcement domain"), coerce=int, validators=[InputRequired()])
    lead_agency_id = SelectField(_l("Lead agency"), coerce=int, validators=[InputRequired()])
    support_agency_ids = SelectMultipleField(_l("Supporting agencies"), coerce=int, validators=[Optional()],
                                             description=_l("Hold Ctrl (or Cmd) to choose several."))
    place_kind = SelectField(_l("Kind of place"), choices=[SelectChoice(k, PLACE_LABELS[k]) for k in PLACE_KINDS])
    area = StringField(_l("Area"), validators=[Optional(), Length(max=80)],
                       description=_l("District or street, e.g. 龙华区民治街道"))
    host_name = StringField(_l("Host"), validators=[Optional(), Length(max=40)])
    host_username = StringField(_l("Host's user account"), validators=[Optional(), Length(max=40)],
                                description=_l("The user name of the host, who may start and end the live."))
    scheduled_start = DateTimeLocalField(_l("Start (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                         validators=[InputRequired()])
    expected_minutes = IntegerField(_l("Expected duration (minutes)"), default=90,
                                    validators=[InputRequired(), NumberRange(min=1, max=720)])
    stream_kind = SelectField(_l("Stream kind"), choices=[SelectChoice("hls", _l("HLS stream (.m3u8)")),
                                                          SelectChoice("embed", _l("Partner's embeddable player"))])
    stream_url = StringField(_l("Stream URL"), validators=[Optional(), Length(max=500)],
                             description=_l("Starts with https://, http:// or / (a file on this site)"))
    replay_url = StringField(_l("Recording URL"), validators=[Optional(), Length(max=500)])
    observer_capacity = IntegerField(_l("Observer places"), default=10,
                                     validators=[InputRequired(), NumberRange(min=0, max=1000)])
    cover = FileField(_l("Cover image"), description=_l("JPEG, PNG or WebP, at most 5 MB."))

    def agency_ids(self) -> list[int]:
        """The lead agency first, then the supporting ones."""
        lead = self.lead_agency_id.data
        return [lead] + [a for a in (self.support_agency_ids.data or []) if a != lead]

    def details(self) -> dict:
        """The service's detail keywords from the form."""
        return {"summary": self.summary.data or "", "place_kind": self.place_kind.data,
                "area": self.area.data or "", "host_name": self.host_name.data or "",
                "expected_minutes": self.expected_minutes.data, "stream_kind": self.stream_kind.data,
                "stream_url": self.stream_url.data or None, "replay_url": self.replay_url.data or None,
                "observer_capacity": self.observer_capacity.data}


class StepForm(FlaskForm):
    """A lifecycle button (publish, go live, end, …): only the CSRF token."""


class RemindForm(FlaskForm):
    """The "remind me" button: only the CSRF token."""
