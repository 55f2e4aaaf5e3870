"""The JSON API under /api/v1: one envelope, stable error codes, OpenAPI 3.

Built on flask-smorest (marshmallow schemas → request validation and the OpenAPI
document). Its own error handlers are replaced by the site's one handler so API
errors share the envelope `{"ok": false, "error": {"code", "message", "details"}}`.
"""
from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Api
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from app.api.envelope import ErrorEnvelope
from app.core import strictjson
from app.extensions import csrf

API_PREFIX = "/api/v1"
PARTY_CODE_PREFIX = API_PREFIX + "/party-codes/"


class ZhiboApi(Api):
    """flask-smorest Api without its own error handlers (ours answer with the envelope)."""

    #: The documented default error response is our envelope, not flask-smorest's own shape.
    ERROR_SCHEMA = ErrorEnvelope

    def _register_error_handlers(self) -> None:
        return None


api = ZhiboApi()


def init_api(app: Flask) -> None:
    """Register the API blueprints, the OpenAPI document and the docs page."""
    api.init_app(app, spec_kwargs={
        "info": {"description": "Public and partner API of Zhibo (执播). Every response is "
                               "`{ok, data, meta}` or `{ok: false, error: {code, message, details}}`."},
        "servers": [{"url": "/"}],
    })
    from flask_smorest.spec.plugins import integerconverter2paramschema

    from app.core.routing import IdConverter

    api.register_converter(IdConverter, integerconverter2paramschema)  # ids: integer 0…2³¹-1
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})

    from app.api import (accounts, agencies, complaints, episodes, findings, library, live, observers, parties,
                         polls, stats)

    for module in (accounts, agencies, episodes, polls, live, findings, observers, stats, library, parties,
                   complaints):
        csrf.exempt(module.blp)  # the API checks CSRF itself, below
        api.register_blueprint(module.blp)

    @app.before_request
    def _api_body() -> None:
        """Refuse a JSON body that is too large, too deep or not strict JSON before anything reads it.

        webargs then parses the same bytes with the standard json module, which is safe once
        strictjson has bounded their size and depth.
        """
        if not request.path.startswith(API_PREFIX + "/") or request.method in ("GET", "HEAD", "OPTIONS"):
            return
        limit = app.config["API_MAX_BODY_BYTES"]
        if (request.content_length or 0) > limit:
            raise strictjson.PayloadTooLarge(_l("The request body is larger than %(limit)s KB.",
                                                limit=limit // 1024))
        # A chunked body has no Content-Length: werkzeug stops reading it at max_content_length,
        # so one byte more than the limit tells a body that is too large from one that fits.
        request.max_content_length = limit + 1
        if request.is_json and request.get_data(cache=True):
            strictjson.loads(request.get_data(cache=True), max_bytes=limit)

    @app.before_request
    def _api_csrf() -> None:
        """Session-cookie callers must send X-CSRFToken on writes; token callers need not."""
        if not request.path.startswith(API_PREFIX + "/") or request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if g.get("api_actor") is not None:
            return
        if request.path.startswith(PARTY_CODE_PREFIX) and not request.cookies:
            return  # a party's app answers with its one-time code and no cookie: nothing to forge
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError as error:
            raise CSRFError(str(error)) from None

    @app.get(f"{API_PREFIX}/openapi.json")
    def openapi_json():
        """The OpenAPI 3 document."""
        return jsonify(api.spec.to_dict())

    @app.get(f"{API_PREFIX}/docs")
    def api_docs():
        """Browsable API documentation (vendored Swagger UI)."""
        return render_template("api/docs.html")
