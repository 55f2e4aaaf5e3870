"""The public pages' few seconds of cache: one render serves every anonymous visitor, each with their
own CSRF token; logged-in users always see the current page; a browser revalidates with its ETag."""
from __future__ import annotations

import pytest

from app.core import pagecache
from app.extensions import db
from tests.polls.conftest import make_poll
from tests.security.helpers import META_RE



@pytest.fixture
def cached(app):
    """The cache on, as in production, and empty before and after."""
    app.config["PAGE_CACHE_SECONDS"] = 5
    pagecache.clear()
    yield
    app.config["PAGE_CACHE_SECONDS"] = 0
    pagecache.clear()


@pytest.fixture
def poll(app, users):
    made = make_poll(title="夜市油烟扰民")
    db.session.commit()
    return made


def rename(poll, title: str) -> None:
    poll.title = title
    db.session.commit()


def expire_all() -> None:
    """As if PAGE_CACHE_SECONDS had passed since every page was stored."""
    for entry in pagecache._entries.values():
        entry.stored_at -= 3600


def test_anonymous_visitors_share_one_render_for_a_few_seconds(app, cached, poll):
    first = app.test_client().get(f"/polls/{poll.id}")
    rename(poll, "改过的标题")
    second = app.test_client().get(f"/polls/{poll.id}")

    assert "夜市油烟扰民" in first.get_data(as_text=True)
    assert "夜市油烟扰民" in second.get_data(as_text=True)  # served from the render of the first
    expire_all()
    third = app.test_client().get(f"/polls/{poll.id}")
    assert "改过的标题" in third.get_data(as_text=True)


def test_a_logged_in_user_always_sees_the_current_page(app, cached, poll, login_as):
    app.test_client().get(f"/polls/{poll.id}")  # stored for anonymous visitors
    rename(poll, "改过的标题")

    page = login_as("public").get(f"/polls/{poll.id}").get_data(as_text=True)

    assert "改过的标题" in page and "夜市油烟扰民" not in page
    assert "改过的标题" not in app.test_client().get(f"/polls/{poll.id}").get_data(as_text=True)


def test_every_visitor_gets_their_own_csrf_token_and_it_works(app, cached, poll, users):
    alice, bob = app.test_client(), app.test_client()
    a = alice.get(f"/polls/{poll.id}").get_data(as_text=True)
    b = bob.get(f"/polls/{poll.id}").get_data(as_text=True)  # a cache hit

    token_a, token_b = META_RE.search(a).group(1), META_RE.search(b).group(1)
    assert token_a != token_b
    assert pagecache.PLACEHOLDER not in a + b
    # each token is bound to its own session: accepted for bob (then refused for want of a log-in),
    # refused for alice
    accepted = bob.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRFToken": token_b})
    refused = alice.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRFToken": token_b})
    assert accepted.status_code == 401 and accepted.json["error"]["code"] == "login_required"
    assert refused.status_code == 400 and refused.json["error"]["code"] == "csrf_failed"


def test_a_browser_revalidates_with_its_etag(app, cached, poll):
    browser = app.test_client()
    first = browser.get("/")
    again = browser.get("/", headers={"If-None-Match": first.headers["ETag"]})

    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    assert again.status_code == 304 and again.get_data() == b""


def test_each_language_has_its_own_copy(app, cached, poll):
    zh = app.test_client().get("/").get_data(as_text=True)
    en = app.test_client().get("/?lang=en").get_data(as_text=True)

    assert 'lang="zh-CN"' in zh and 'lang="en"' in en


def test_a_flashed_message_is_never_served_from_or_into_the_cache(app, cached, poll):
    visitor = app.test_client()
    visitor.get(f"/polls/{poll.id}")
    with visitor.session_transaction() as session:
        session["_flashes"] = [("success", "您的留言已提交。")]

    page = visitor.get(f"/polls/{poll.id}").get_data(as_text=True)

    assert "您的留言已提交。" in page
    assert "您的留言已提交。" not in app.test_client().get(f"/polls/{poll.id}").get_data(as_text=True)


def test_an_error_page_gets_a_real_token_and_is_not_stored(app, cached, poll):
    missing = app.test_client().get("/polls/2147483647")

    assert missing.status_code == 404
    assert pagecache.PLACEHOLDER not in missing.get_data(as_text=True)
    assert META_RE.search(missing.get_data(as_text=True))
    assert all(key[0] != "/polls/2147483647?" for key in pagecache._entries)


def test_while_one_request_renders_an_expired_page_the_others_get_the_last_copy(app, cached, poll):
    app.test_client().get(f"/polls/{poll.id}")
    rename(poll, "改过的标题")
    entry = next(iter(pagecache._entries.values()))
    entry.stored_at -= 6  # expired, but within one more period
    entry.refreshing = True  # as when another request is rendering the next copy

    meanwhile = app.test_client().get(f"/polls/{poll.id}").get_data(as_text=True)
    entry.stored_at -= 3600  # the render never came back: stale too long, render again
    later = app.test_client().get(f"/polls/{poll.id}").get_data(as_text=True)

    assert "夜市油烟扰民" in meanwhile
    assert "改过的标题" in later


def test_every_public_page_named_for_the_cache_exists(app):
    # a renamed endpoint would silently drop its page from the cache
    assert sorted(pagecache.PUBLIC_PAGES - set(app.view_functions)) == []
