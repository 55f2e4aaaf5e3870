"""Helpers shared by the security, API and account tests."""
from __future__ import annotations

import re
from html import unescape

META_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def meta_csrf(client, path: str = "/") -> str:
    """The CSRF token a page puts in <meta name="csrf-token"> for this client's session."""
    html = client.get(path).get_data(as_text=True)
    match = META_RE.search(html)
    assert match, f"no <meta name=csrf-token> on {path}"
    return match.group(1)


def text_of(response) -> str:
    """The response body as the user reads it (HTML entities decoded)."""
    return unescape(response.get_data(as_text=True))


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def placeholder_values(rule, overrides: dict | None = None) -> dict:
    """URL values for rule: the overrides, else a placeholder by converter type (1 for ids, "x")."""
    from werkzeug.routing import IntegerConverter

    values = {}
    for name, converter in rule._converters.items():
        if overrides and name in overrides:
            values[name] = overrides[name]
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "x"
    return values


def build_url(app, rule, values: dict) -> str:
    """The path of rule with values filled in."""
    adapter = app.url_map.bind("localhost")
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    return adapter.build(rule.endpoint, values, method=methods[0])


def rules(app):
    """Every URL rule except static files, in a stable order."""
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"),
                  key=lambda r: (r.rule, r.endpoint))


def snapshot() -> dict:
    """Every row of every table, to prove that a refused request changed nothing."""
    from sqlalchemy import select

    from app.extensions import db

    db.session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    db.session.rollback()
    return state
