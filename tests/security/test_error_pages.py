"""Error pages: styled, in Chinese by default, never a stack trace; JSON under /api."""
from __future__ import annotations

import pytest

from app import create_app
from config import TestConfig
from tests.security.helpers import text_of


@pytest.fixture(scope="module")
def broken_app():
    """A fresh app (in-memory database) with routes that fail unexpectedly."""
    fresh = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")

    @fresh.get("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    @fresh.get("/api/v1/boom")
    def api_boom():
        raise KeyError("secret internals")

    return fresh


def test_unknown_page_is_a_styled_404_in_chinese(app, client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = text_of(response)
    assert '<html lang="zh-CN">' in page
    assert "页面不存在" in page and "您访问的页面或内容不存在。" in page
    # the site chrome: the brand linking home, the log-in link and the stylesheet
    assert 'href="/"' in page and "执播" in page
    assert 'href="/account/login' in page
    assert "/static/" in page and "stylesheet" in page


def test_unknown_page_in_english_when_chosen(app, client):
    response = client.get("/no/such/page?lang=en")

    assert response.status_code == 404
    assert "The page or item was not found." in text_of(response)


def test_a_client_asking_for_json_gets_json_404(app, client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})

    assert response.status_code == 404
    assert response.json == {"ok": False, "error": {"code": "not_found", "message": "您访问的页面或内容不存在。"}}


def test_unexpected_error_is_a_500_page_without_details(broken_app):
    response = broken_app.test_client().get("/boom")

    assert response.status_code == 500
    assert response.mimetype == "text/html"
    page = text_of(response)
    assert "系统出现错误，我们已记录该问题。" in page
    assert "执播" in page and 'href="/"' in page
    for leak in ("Traceback", "RuntimeError", "secret internals", "hunter2", ".py"):
        assert leak not in page


def test_unexpected_error_is_logged(broken_app, caplog):
    with caplog.at_level("ERROR"):
        broken_app.test_client().get("/boom")

    assert any("unhandled error on GET /boom" in r.getMessage() and r.exc_info for r in caplog.records)


def test_unexpected_api_error_is_json_500(broken_app):
    response = broken_app.test_client().get("/api/v1/boom", headers={"Accept-Language": "en"})

    assert response.status_code == 500
    assert response.json == {"ok": False, "error": {"code": "server_error",
                                                    "message": "Something went wrong on our side. It has been logged."}}
    assert "secret internals" not in response.get_data(as_text=True)


def test_security_headers_on_pages(app, client):
    for path in ("/", "/account/login", "/no/such/page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";")}
        assert directives["script-src"] == "script-src 'self'", path
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert directives["object-src"] == "object-src 'none'"
        # hls.js's worker only: a blob: worker, and no script from anywhere else.
        assert directives["worker-src"] == "worker-src 'self' blob:"
        assert directives["frame-ancestors"] == "frame-ancestors 'self'"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_security_headers_on_api_and_error_answers(app, client, broken_app):
    for response in (client.get("/api/v1/me"), client.get("/healthz"),
                     broken_app.test_client().get("/boom")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_no_hsts_without_secure_cookies(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_session_cookie_flags(app, client):
    client.get("/account/login")
    cookie = client.get_cookie("session")

    assert cookie.http_only
    assert cookie.same_site == "Lax"
