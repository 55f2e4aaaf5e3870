"""Language choice: Simplified Chinese by default, English by switch."""
from __future__ import annotations

from flask import Flask, g, has_request_context, request, session
from flask_babel import get_locale

from app.extensions import babel


def select_locale() -> str:
    """The UI language: ?lang=, then the session's choice, then the user's, then zh."""
    languages = _languages()
    if not has_request_context():
        return "zh"
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    from flask_login import current_user

    if not g.get("_skip_user_locale") and getattr(current_user, "is_authenticated", False) \
            and current_user.locale in languages:
        return current_user.locale
    # The site is Chinese first: only an explicit switch (or the API's Accept-Language) picks English.
    if request.path.startswith("/api/") and not request.path.endswith("/docs"):
        return request.accept_languages.best_match(list(languages)) or "zh"
    return "zh"


def skip_user_locale() -> None:
    """Choose this request's language without loading the user: the database is down (docs/outages.md)."""
    if has_request_context():
        g._skip_user_locale = True


def _languages() -> dict[str, str]:
    from flask import current_app

    return current_app.config["LANGUAGES"]


def current_lang() -> str:
    """"zh" or "en" for templates and services that pick a name column."""
    return str(get_locale() or "zh").split("_")[0]


def html_lang() -> str:
    """The value of <html lang>."""
    return "en" if current_lang() == "en" else "zh-CN"


def init_babel(app: Flask) -> None:
    """Bind Flask-Babel with our locale selector and template helpers."""
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    app.jinja_env.globals.update(current_lang=current_lang, html_lang=html_lang)
