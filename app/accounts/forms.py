"""Account forms (Flask-WTF: CSRF on each)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    """Log in with user name and password."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])


class RegisterForm(FlaskForm):
    """Create a public account."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(min=3, max=30)],
                           description=_l("3 to 30 lower-case letters, digits or underscores"))
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=30)],
                               description=_l("Shown next to your comments"))
    email = EmailField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=128)],
                             description=_l("At least 8 characters, letters and digits"))
    confirm = PasswordField(_l("Repeat password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


class ChangePasswordForm(FlaskForm):
    """Change the logged-in user's password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=128)])
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The passwords differ."))])


class LogoutForm(FlaskForm):
    """Log out (a POST with CSRF, so no link can log a user out)."""
