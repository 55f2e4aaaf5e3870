"""Domain errors and the one handler that answers them as HTML, JSON or a socket ack."""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A refused request: a stable `code`, a message for people, an HTTP status."""

    status = 400
    code = "bad_request"

    #: Seconds after which trying again may succeed (sent as Retry-After), when known.
    retry_after: int | None = None

    def __init__(self, message: Any = None, *, code: str | None = None,
                 details: dict | None = None, retry_after: int | None = None) -> None:
        super().__init__(str(message) if message is not None else self.code)
        self.message = message if message is not None else self.default_message()
        if code:
            self.code = code
        self.details = details or {}
        if retry_after is not None:
            self.retry_after = retry_after

    def default_message(self) -> Any:
        """Fallback message when the raiser gave none."""
        return _l("The request could not be processed.")

    def to_dict(self) -> dict:
        """The JSON error body (also the failed socket ack)."""
        body = {"code": self.code, "message": str(self.message)}
        if self.details:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    """Input that breaks a rule (length, format, dates, state)."""

    status = 422
    code = "validation_failed"


class NotAllowed(DomainError):
    """The actor's role or ownership does not permit this."""

    status = 403
    code = "forbidden"

    def default_message(self) -> Any:
        return _l("You do not have permission to do this.")


class NotLoggedIn(DomainError):
    """The action needs a logged-in user."""

    status = 401
    code = "login_required"

    def default_message(self) -> Any:
        return _l("Please log in first.")


class NotFound(DomainError):
    """The object does not exist, or the actor may not know it exists."""

    status = 404
    code = "not_found"

    def default_message(self) -> Any:
        return _l("The page or item was not found.")


class Conflict(DomainError):
    """The object's state does not allow this now (already done, closed, …)."""

    status = 409
    code = "conflict"


class RateLimited(DomainError):
    """Too many attempts; try again later."""

    status = 429
    code = "rate_limited"

    def default_message(self) -> Any:
        return _l("Too many attempts. Please wait a moment and try again.")


_HTTP_CODES = {
    400: "bad_request", 401: "login_required", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
    500: "server_error", 503: "busy",
}

_HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please log in first."),
    403: _l("You do not have permission to do this."),
    404: _l("The page or item was not found."),
    405: _l("This method is not allowed here."),
    413: _l("The upload is too large."),
    422: _l("Some of the input is not valid."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. It has been logged."),
    503: _l("The site is very busy right now. Please try again in a few seconds."),
}


def wants_json() -> bool:
    """True for API calls and clients that prefer JSON over HTML."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message: Any, details: dict | None = None):
    """Render one error as the API envelope or as a styled page."""
    if wants_json():
        body: dict = {"code": code, "message": str(message)}
        if details:
            body["details"] = details
        return jsonify({"ok": False, "error": body}), status
    template = status if status in (400, 403, 404, 500) else 400
    return render_template(f"errors/{template}.html", status=status, code=code,
                           message=message, details=details or {}), status


def register_error_handlers(app: Flask) -> None:
    """One handler for domain errors, HTTP errors and anything unexpected."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        if isinstance(error, Unavailable):
            from app.core.i18n import skip_user_locale

            skip_user_locale()  # the page must not wait for the database that failed
        response = error_response(error.status, error.code, error.message, error.details)
        if error.retry_after is None:
            return response
        response = app.make_response(response)
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        status = error.code or 500
        details = None
        # webargs/flask-smorest put field messages on 422s
        data = getattr(error, "data", None)
        if isinstance(data, dict) and "messages" in data:
            details = {"fields": data["messages"]}
        code = _HTTP_CODES.get(status, "http_error")
        if status == 400 and "CSRF" in (error.description or ""):
            code = "csrf_failed"
            message = _l("The form expired or was sent from elsewhere. Please reload the page and try again.")
        else:
            message = _HTTP_MESSAGES.get(status, error.name)
        response = error_response(status, code, message, details)
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            resp, st = response
            resp = app.make_response((resp, st))
            resp.headers["Allow"] = ", ".join(error.valid_methods)
            return resp
        return response

    from sqlalchemy.exc import DataError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(error: Exception):
        """A value the database cannot store (a number out of range, a NUL byte): bad input, nothing written."""
        app.logger.warning("value refused by the database on %s %s: %s", request.method, request.path, error)
        from app.extensions import db

        db.session.rollback()
        return error_response(422, "value_out_of_range", _HTTP_MESSAGES[422])

    @app.errorhandler(PoolTimeout)
    def _busy(error: PoolTimeout):
        """Every database connection is busy: ask the client to retry; nothing was written."""
        app.logger.warning("database pool exhausted on %s %s", request.method, request.path)
        from app.extensions import db

        db.session.rollback()
        response = app.make_response(error_response(503, "busy", _HTTP_MESSAGES[503]))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        from app.extensions import db

        refusal = dependency_error(error)
        if refusal is not None:  # the database or Redis is down: 503, not a 500 and a stack trace
            app.logger.warning("dependency unavailable on %s %s: %s", request.method, request.path, error)
            db.session.rollback()
            return _domain(refusal)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return error_response(500, "server_error", _HTTP_MESSAGES[500])


class Unavailable(DomainError):
    """A dependency (database, Redis) did not answer in time: nothing was done; try again soon."""

    status = 503
    code = "unavailable"
    retry_after = 5

    def default_message(self) -> Any:
        return _l("The service is briefly unavailable. Nothing was saved. Please try again in a moment.")


def dependency_error(error: BaseException) -> DomainError | None:
    """The DomainError a failing dependency becomes (database or Redis down, slow, pool empty), else None."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(error, PoolTimeout):
        return Unavailable(_HTTP_MESSAGES[503], code="busy")
    if isinstance(error, (OperationalError, InterfaceError)) or (
            isinstance(error, DBAPIError) and error.connection_invalidated):
        return Unavailable()
    from app.core import redisclient

    if isinstance(error, redisclient.errors()):
        return Unavailable()
    return None
