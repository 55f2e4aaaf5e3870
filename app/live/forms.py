"""Forms of the live area (Flask-WTF: CSRF on each)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class NoteForm(FlaskForm):
    """A live note: text, optional image, optional legal basis."""

    body = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=2000)],
                         description=_l("Explain what viewers see and the law that applies"))
    image = FileField(_l("Image (optional)"), description=_l("JPEG, PNG, WebP or GIF, up to 5 MB"))
    legal_basis_id = SelectField(_l("Legal basis (optional)"), coerce=int, validators=[Optional()])


class StateForm(FlaskForm):
    """Go live or end."""

    step = HiddenField(validators=[DataRequired()])


class WordForm(FlaskForm):
    """Add a sensitive word."""

    word = StringField(_l("Word or phrase"), validators=[DataRequired(), Length(max=60)],
                       description=_l("Comments containing it are held for review"))


class DeleteForm(FlaskForm):
    """A CSRF-protected button."""
