"""Poll forms (Flask-WTF: CSRF on each). They parse input; the services hold the rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import (BooleanField, DateField, DateTimeLocalField, HiddenField, IntegerField, RadioField,
                     SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Optional

from app.agencies.models import Agency, Domain
from app.core.clock import to_local, to_utc  # noqa: F401 (to_local: re-exported for routes)
from app.core.places import PLACE_KINDS, PLACE_LABELS
from app.extensions import db

LOCAL = "%Y-%m-%dT%H:%M"


def domain_choices() -> list[tuple[str, str]]:
    """(code, name) of every domain, for select fields."""
    from app.core.i18n import current_lang

    return [(d.code, d.name(current_lang())) for d in db.session.scalars(select(Domain).order_by(Domain.id))]


class ActionForm(FlaskForm):
    """A button that posts (vote, withdraw): CSRF and the topic."""

    topic_id = HiddenField()


class PollForm(FlaskForm):
    """Create or edit a poll."""

    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"))
    opens_at = DateTimeLocalField(_l("Opens (Beijing time)"), format=LOCAL, validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Closes (Beijing time)"), format=LOCAL, validators=[InputRequired()])
    votes_per_person = IntegerField(_l("Votes per person"), default=1, validators=[InputRequired()])
    proposals_open = BooleanField(_l("The public may propose topics"), default=True)
    counts_visible = BooleanField(_l("Show counts while voting is open"), default=True,
                                  description=_l("When off, counts stay hidden from everyone until the poll closes."))

    def values(self) -> dict:
        """The service's keywords."""
        return {"title": self.title.data or "", "description": self.description.data or "",
                "opens_at": to_utc(self.opens_at.data), "closes_at": to_utc(self.closes_at.data),
                "votes_per_person": self.votes_per_person.data, "proposals_open": self.proposals_open.data,
                "counts_visible": self.counts_visible.data}


class TopicForm(FlaskForm):
    """A candidate topic (coordinator) or a proposal (public; `why` is its description)."""

    title = StringField(_l("Topic"))
    domain = SelectField(_l("Enforcement domain"), validate_choice=False)
    place_kind = SelectField(_l("Kind of place"), choices=[(k, PLACE_LABELS[k]) for k in PLACE_KINDS],
                             validate_choice=False)
    description = TextAreaField(_l("Description"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.domain.choices = domain_choices()


class ProposalForm(TopicForm):
    """A public proposal with an optional photo."""

    description = TextAreaField(_l("Why should it be inspected?"))
    photo = FileField(_l("Photo (optional)"), description=_l("JPEG, PNG, WebP or GIF, at most 5 MB."))


class ReviewForm(FlaskForm):
    """Approve, reject with a reason, or merge a proposal."""

    action = RadioField(_l("Decision"), choices=[("approve", _l("Approve")), ("reject", _l("Reject")),
                                                 ("merge", _l("Merge into another topic"))],
                        validate_choice=False)
    reason = TextAreaField(_l("Reason for rejecting (shown to the proposer)"))
    into_topic_id = SelectField(_l("Merge into"), coerce=int, validate_choice=False, validators=[Optional()])


class TallyForm(FlaskForm):
    """An offline count."""

    topic_id = SelectField(_l("Topic"), coerce=int, validate_choice=False, validators=[InputRequired()])
    source = StringField(_l("Source"), description=_l("Where the votes came from, e.g. a street office."))
    collected_on = DateField(_l("Collected on"), validators=[InputRequired()])
    count = IntegerField(_l("Count"), validators=[InputRequired()])


class TallyEditForm(FlaskForm):
    """A correction of an offline count, with its reason."""

    source = StringField(_l("Source"))
    collected_on = DateField(_l("Collected on"), validators=[InputRequired()])
    count = IntegerField(_l("Count"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason for the correction"), description=_l("Required; recorded in the audit log."))


class DecideForm(FlaskForm):
    """Choose the topic."""

    topic_id = RadioField(_l("Chosen topic"), coerce=int, validate_choice=False, validators=[InputRequired()])
    reason = TextAreaField(_l("Public reason"),
                           description=_l("Required when the chosen topic was not the most voted."))


class EpisodeFromPollForm(FlaskForm):
    """Create the draft episode on the chosen topic."""

    title = StringField(_l("Episode title"))
    agency_ids = SelectMultipleField(_l("Agencies (the first chosen leads)"), coerce=int, validate_choice=False,
                                     validators=[InputRequired()])
    scheduled_start = DateTimeLocalField(_l("Start (Beijing time)"), format=LOCAL, validators=[InputRequired()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from app.core.i18n import current_lang

        self.agency_ids.choices = [(a.id, a.name(current_lang()))
                                   for a in db.session.scalars(select(Agency).order_by(Agency.id))]
