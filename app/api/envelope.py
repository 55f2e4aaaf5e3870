"""The response envelope, pagination and shared schemas.

Views return `ok(objects)`: the envelope schema given to `@blp.response` serializes them
(dumping in the view as well would serialize twice and fail on dates and computed fields).
"""
from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select

from app.extensions import db


class PageArgs(Schema):
    """?page=&per_page= on list endpoints."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PageMeta(Schema):
    """Pagination facts returned in `meta`."""

    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


class ErrorBody(Schema):
    """An error: a stable code, a message in the caller's language, optional details."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict()


class ErrorEnvelope(Schema):
    """Every error response."""

    ok = fields.Boolean(required=True)
    error = fields.Nested(ErrorBody, required=True)


@cache
def envelope(schema: type[Schema], many: bool = False, paged: bool = False) -> type[Schema]:
    """The schema of `{ok, data, meta}` around `schema` (one class per combination, for OpenAPI)."""
    suffix = "Page" if paged else ("List" if many else "")
    name = f"{schema.__name__.removesuffix('Schema')}{suffix}Envelope"
    attrs: dict[str, Any] = {
        "ok": fields.Boolean(required=True),
        "data": fields.List(fields.Nested(schema)) if many or paged else fields.Nested(schema),
    }
    if paged:
        attrs["meta"] = fields.Nested(PageMeta)
    return Schema.from_dict(attrs, name=name)


def ok(data: Any, meta: dict | None = None) -> dict:
    """A success body for an envelope schema."""
    body = {"ok": True, "data": data}
    if meta is not None:
        body["meta"] = meta
    return body


def paginate(query: Select, page: int, per_page: int) -> tuple[list, dict]:
    """One page of a select, with total and page count."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    pages = (total + per_page - 1) // per_page
    return list(items), {"page": page, "per_page": per_page, "total": total, "pages": pages}


ERROR_RESPONSES = {
    "400": ErrorEnvelope, "401": ErrorEnvelope, "403": ErrorEnvelope, "404": ErrorEnvelope,
    "409": ErrorEnvelope, "422": ErrorEnvelope, "429": ErrorEnvelope,
}


def errors_doc(blp):
    """A decorator factory documenting the error envelope for given statuses on blp."""
    def statuses(*codes: str):
        def decorate(fn):
            for code in codes:
                fn = blp.alt_response(int(code), schema=ERROR_RESPONSES[code],
                                      description="Error")(fn)
            return fn
        return decorate
    return statuses
