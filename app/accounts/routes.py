"""Account pages: register, log in, log out, change password."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import services
from app.accounts.forms import ChangePasswordForm, LoginForm, LogoutForm, RegisterForm
from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import DomainError

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _safe_next(target: str | None) -> str:
    """Only same-site relative redirects after log-in."""
    # Browsers treat a backslash as "/" and drop tabs and newlines: /\host or /<TAB>/host would leave the site.
    if (target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc
            and not any(c == "\\" or ord(c) < 32 or ord(c) == 127 for c in target)):
        return target
    return url_for("main.home")


def _start_session(user) -> None:
    """Log the user in on a fresh session (no fixation), keeping the language choice."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    with unit_of_work():
        user.session_row_id = services.start_session(user, now=clock.now())
    login_user(user)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a public account and log in."""
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = services.register(form.username.data, form.display_name.data, form.password.data,
                                         form.email.data, now=clock.now())
        except DomainError as error:
            form.form_errors.append(str(error.message))
            status = error.status
        else:
            _start_session(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.display_name), "success")
            return redirect(url_for("main.home"))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in; failures are throttled per account and per address."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = services.authenticate(form.username.data, form.password.data,
                                             request.remote_addr or "", now=clock.now())
        except DomainError as error:
            form.form_errors.append(str(error.message))
            status = error.status
        else:
            if user is not None:
                _start_session(user)
                return redirect(_safe_next(request.args.get("next")))
            form.form_errors.append(_("Wrong user name or password."))
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session."""
    form = LogoutForm()
    if form.validate_on_submit():
        with unit_of_work():
            services.log_out(current_actor(), getattr(current_user, "session_row_id", None), now=clock.now())
        logout_user()
        session.clear()
        flash(_("You have logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; other sessions end, this one continues."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = services.change_password(current_actor(), form.current.data, form.new.data)
        except DomainError as error:
            form.form_errors.append(str(error.message))
            status = error.status
        else:
            _start_session(user)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.home"))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/password.html", form=form, user=current_user), status
