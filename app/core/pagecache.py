"""A few seconds of cache for the public pages a surge hits, for visitors who are not logged in.

When a poll opens or an episode is announced, thousands of people open the same few pages at
once; rendering each one for each of them was most of a process's CPU (bench/pages). An anonymous
visitor sees what every other anonymous visitor sees, so one render serves them all for
PAGE_CACHE_SECONDS (5 by default): the page may be up to that old, which live counts (sent over
Socket.IO) do not suffer from. Logged-in users, flashed messages, non-GET requests, JSON answers
and any page that put something personal in the session are never cached or served from cache.

The one personal thing on a public page is the CSRF token (the `<meta name="csrf-token">` and
forms that read the `csrf_token()` global). While a page renders for the cache, that global
writes a placeholder, and every answer (first or cached) puts the visitor's own token in its
place. A page showing a token made any other way (a WTForms form's field) is not stored. Answers carry an
ETag, so a browser's revalidation gets a 304 without a body.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

#: Pages anyone may see and a surge hits (docs/performance.md, "Pages under a surge").
PUBLIC_PAGES = frozenset({
    "main.home", "polls.list_polls", "polls.show", "episodes.schedule", "episodes.archive",
    "episodes.detail", "findings.board", "findings.finding", "findings.report",
    "agencies.index", "agencies.detail", "stats.statistics",
    # the legal library's reading pages (not its search: every query would be a page of its own)
    "library.index", "library.statute", "library.article", "library.item", "library.teaching",
})
#: Session keys that say nothing about who the visitor is (a language choice, the CSRF secret).
IMPERSONAL_KEYS = frozenset({"lang", "csrf_token"})
PLACEHOLDER = "\x00zhibo-csrf\x00"
MAX_ENTRIES = 1024


@dataclass
class Entry:
    """One rendered page: its body (with the placeholder), headers and when it was stored."""

    body: str
    headers: list[tuple[str, str]]
    stored_at: float
    #: A request is rendering the next copy: until it is stored, others get this one.
    refreshing: bool = False


_entries: OrderedDict[tuple, Entry] = OrderedDict()
_lock = threading.Lock()


def csrf_token() -> str:
    """The templates' `csrf_token()`: a placeholder while a page renders for the cache."""
    if g.get("page_cache_key") is not None:
        return PLACEHOLDER
    return generate_csrf()


def _key() -> tuple | None:
    """The cache key of this request, or None when it must be rendered for this visitor alone."""
    seconds = current_app.config.get("PAGE_CACHE_SECONDS", 0)
    if not seconds or request.method != "GET" or request.endpoint not in PUBLIC_PAGES:
        return None
    if request.headers.get("Authorization") or not set(session.keys()) <= IMPERSONAL_KEYS:
        return None  # logged in (Flask-Login's keys), a flashed message, or anything else personal
    from app.core.errors import wants_json
    from app.core.i18n import current_lang

    if wants_json():
        return None
    return (request.full_path, current_lang())


def _answer(entry: Entry) -> Response:
    """The page with this visitor's CSRF token, conditional on If-None-Match."""
    body = entry.body.replace(PLACEHOLDER, generate_csrf()) if PLACEHOLDER in entry.body else entry.body
    response = Response(body, headers=entry.headers)
    response.headers["Cache-Control"] = "private, no-cache"  # revalidate: the ETag makes that cheap
    response.add_etag()
    return response.make_conditional(request)


def _serve_cached() -> Response | None:
    """before_request: answer from the cache when a fresh enough copy exists."""
    key = _key()
    if key is None:
        return None
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    with _lock:
        entry = _entries.get(key)
        if entry is not None:
            _entries.move_to_end(key)
            age = time.monotonic() - entry.stored_at
            # Fresh; or stale while another request renders the next copy (one render, not a
            # stampede of them, each time a popular page expires), for at most one more period.
            serve = age < seconds or (entry.refreshing and age < 2 * seconds)
            if not serve:
                entry.refreshing = True
    if entry is not None and serve:
        g.page_cache_hit = True
        return _answer(entry)
    g.page_cache_key = key  # render it, with the placeholder, and store it below
    return None


def _store(response: Response) -> Response:
    """after_request: keep a page rendered for the cache, then give this visitor their copy."""
    key = g.pop("page_cache_key", None)
    if key is None or g.get("page_cache_hit"):
        return response
    if response.direct_passthrough or response.mimetype != "text/html":
        return response  # a file or JSON: never rendered with the placeholder
    body = response.get_data(as_text=True)
    # A form built with its own token (WTForms makes one even when the page does not show the
    # form) is personal only if the token is in the page.
    own_token = g.get("csrf_token")
    cacheable = (response.status_code == 200 and "Set-Cookie" not in response.headers
                 and not (own_token and own_token in body))
    if not cacheable:
        if PLACEHOLDER in body:  # an error page or a redirect's body rendered meanwhile
            response.set_data(body.replace(PLACEHOLDER, generate_csrf()))
        return response
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "etag")]
    entry = Entry(body=body, headers=headers, stored_at=time.monotonic())
    with _lock:
        _entries[key] = entry
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return _answer(entry)


def clear() -> None:
    """Forget every stored page (tests)."""
    with _lock:
        _entries.clear()


def init_page_cache(app: Flask) -> None:
    """Install the hooks and the templates' csrf_token()."""
    # Flask-WTF offers generate_csrf both as a global and from a context processor: replace both.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
    app.before_request(_serve_cached)
    app.after_request(_store)
