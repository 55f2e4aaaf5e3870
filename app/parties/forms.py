"""Forms of the party register and of the party's answer (Flask-WTF: CSRF on each)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

RATING_CHOICES = [("5", _l("5 · excellent")), ("4", _l("4 · good")), ("3", _l("3 · acceptable")),
                  ("2", _l("2 · poor")), ("1", _l("1 · very poor"))]


class PartyForm(FlaskForm):
    """Edit a party's record."""

    name = StringField(_l("Name"), render_kw={"maxlength": 120})
    credit_code = StringField(_l("Unified social credit code"),
                              render_kw={"maxlength": 18, "autocapitalize": "characters"},
                              description=_l("18 characters; the last one is a check digit (GB 32100-2015)."))
    address = StringField(_l("Address"), render_kw={"maxlength": 200})
    domain_id = SelectField(_l("Domain"), coerce=int, validators=[Optional()])


class MergeForm(FlaskForm):
    """Merge a duplicate record into this one."""

    duplicate_id = IntegerField(_l("Number of the duplicate record"), validators=[Optional()],
                                description=_l("The number in the duplicate's address, /parties/<number>."))
    reason = StringField(_l("Reason"), render_kw={"maxlength": 500})


class ButtonForm(FlaskForm):
    """A button (CSRF only)."""


class AnswerForm(FlaskForm):
    """The party's answer with its one-time code (statements are read from statement_<finding id>)."""

    took_place = RadioField(_l("Did this inspection take place?"),
                            choices=[("yes", _l("Yes, it took place")), ("no", _l("No, it did not take place"))])
    conduct_standard = RadioField(_l("Did the officers act by the rules?"), choices=RATING_CHOICES,
                                  validators=[Optional()])
    conduct_civil = RadioField(_l("Were the officers courteous?"), choices=RATING_CHOICES,
                               validators=[Optional()])


class ReviewForm(FlaskForm):
    """Publish or reject a party's statement."""

    decision = RadioField(_l("Decision"), choices=[("publish", _l("Publish beside the finding")),
                                                  ("reject", _l("Do not publish"))])
    reason = TextAreaField(_l("Reason (required when not publishing)"), render_kw={"rows": 2, "maxlength": 500})


class ComplaintForm(FlaskForm):
    """Report officer conduct seen in the stream (the moment: minutes and seconds into it)."""

    agency_id = SelectField(_l("Agency of the officers"), coerce=int)
    minute = IntegerField(_l("Minute of the stream"), validators=[Optional()])
    second = IntegerField(_l("Second"), validators=[Optional()])
    body = TextAreaField(_l("What did you see?"), render_kw={"rows": 4, "maxlength": 1000},
                         description=_l("Facts only: what the officer said or did. The agency answers; the justice "
                                        "bureau decides whether complaint and answer are published."))


class ComplaintAnswerForm(FlaskForm):
    """The agency's answer."""

    body = TextAreaField(_l("The agency's answer"), render_kw={"rows": 4, "maxlength": 5000})


class ComplaintDecisionForm(FlaskForm):
    """The coordinator's decision."""

    decision = RadioField(_l("Decision"), choices=[("publish", _l("Publish with the answer on the episode")),
                                                  ("dismiss", _l("Dismiss"))])
    reason = StringField(_l("Reason (required when dismissing)"), render_kw={"maxlength": 500})
