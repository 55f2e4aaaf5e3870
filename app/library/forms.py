"""Forms of the library (Flask-WTF: CSRF on each). They parse input; services hold the rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ArticleForm(FlaskForm):
    """Add an article (its statute is created when new)."""

    statute = StringField(_l("Statute"), validators=[DataRequired(), Length(max=120)],
                          description=_l("e.g. 《中华人民共和国食品安全法》"))
    article = StringField(_l("Article"), validators=[DataRequired(), Length(max=40)],
                          description=_l("e.g. 第五十四条"))
    excerpt = TextAreaField(_l("Article text"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 4})


class ArticleEditForm(FlaskForm):
    """Correct an article or mark it repealed."""

    article = StringField(_l("Article"), validators=[DataRequired(), Length(max=40)])
    excerpt = TextAreaField(_l("Article text"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 6})
    repealed_on = DateField(_l("Repealed on"), validators=[Optional()],
                            description=_l("A repealed article stays readable but can no longer be cited."))


class ImportForm(FlaskForm):
    """Upload statutes or items as CSV or JSON."""

    file = FileField(_l("CSV or JSON file"), description=_l("See the library documentation for the columns."))


class CaseForm(FlaskForm):
    """Write a typical case on an article or an item."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("The case"), validators=[DataRequired(), Length(max=10000)], render_kw={"rows": 6})
    legal_basis_id = IntegerField(validators=[Optional()])
    item_id = IntegerField(validators=[Optional()])
    back = HiddenField()


class DeleteForm(FlaskForm):
    """A CSRF-protected button."""
