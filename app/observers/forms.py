"""Observer forms (Flask-WTF, CSRF on each) and the labels of kinds, states and aspects."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

KIND_LABELS = {
    "deputy": _l("People's congress deputy"), "cppcc": _l("CPPCC member"), "expert": _l("Expert or scholar"),
    "citizen": _l("Engaged citizen"), "supervisor": _l("Invited enforcement supervisor"),
}
STATE_LABELS = {"pending": _l("Awaiting answer"), "accepted": _l("Accepted"), "declined": _l("Declined"),
                "revoked": _l("Revoked")}
ASPECT_LABELS = {"procedure": _l("Procedure"), "attitude": _l("Attitude"), "legal_basis": _l("Legal basis"),
                 "fairness": _l("Fairness"), "other": _l("Other")}
VISIBILITY_LABELS = {"public": _l("Public, with the answer"), "coordinator": _l("For the coordinator only")}


class ObserverForm(FlaskForm):
    """Create or edit a registry entry."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)])
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()), validators=[InputRequired()])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=120)])
    term_start = DateField(_l("Term starts"), validators=[Optional()])
    term_end = DateField(_l("Term ends"), validators=[Optional()])
    contact = StringField(_l("Contact (phone or e-mail)"), validators=[Optional(), Length(max=120)],
                          description=_l("Never shown publicly."))
    username = StringField(_l("Site account (user name)"), validators=[Optional(), Length(max=40)],
                           description=_l("Links the observer to an account; a citizen account becomes an "
                                          "observer account. Leave blank to unlink."))
    listed = BooleanField(_l("Agrees to be listed on episode pages"), default=True)


class InviteForm(FlaskForm):
    """Invite an observer to an episode."""

    observer_id = SelectField(_l("Observer"), coerce=int, validators=[InputRequired()])
    expires_at = DateTimeLocalField(_l("Answer by (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                    description=_l("Default: the start of the episode."))


class ButtonForm(FlaskForm):
    """A button that only needs the CSRF token (revoke, bind, check in)."""


class RespondForm(FlaskForm):
    """Accept or decline an invitation."""

    action = HiddenField(validators=[InputRequired()])


class CheckInForm(FlaskForm):
    """Check in an observer of the episode."""

    observer_id = HiddenField(validators=[InputRequired()])


class NoteForm(FlaskForm):
    """An observer note on an episode."""

    agency_id = SelectField(_l("Addressed to"), coerce=int, validators=[InputRequired()])
    aspect = SelectField(_l("About"), choices=list(ASPECT_LABELS.items()), validators=[InputRequired()])
    body = TextAreaField(_l("Your opinion"), validators=[DataRequired(), Length(max=2000)])
    visibility = SelectField(_l("Who may read it"), choices=list(VISIBILITY_LABELS.items()),
                             validators=[InputRequired()])


class AnswerForm(FlaskForm):
    """The agency's answer to a note."""

    body = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=2000)])


class DueForm(FlaskForm):
    """The coordinator's answer deadline for a note."""

    answer_due = DateTimeLocalField(_l("Answer due"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
