"""First browser journeys on the real server: home, language, register, demo login, phone, CSP.

Screenshots go to test-artifacts/screenshots/ (home-zh, home-en, home-phone, …).
"""
from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.live_server]


def _next_upcoming_title(page) -> str:
    """The title of the soonest scheduled episode, as the public API lists it."""
    response = page.request.get("/api/v1/episodes?state=scheduled&per_page=100")
    assert response.ok, response.text()
    episodes = response.json()["data"]
    assert episodes, "the demo data has no scheduled (upcoming) episode"
    return min(episodes, key=lambda e: e["scheduled_start"])["title"]


def _logout_button(page):
    return page.locator("form[action$='/account/logout'] button")


def test_home_in_chinese_shows_an_upcoming_episode(page):
    response = page.goto("/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "执播" in page.title()
    upcoming = _next_upcoming_title(page)
    expect(page.get_by_text(upcoming).first).to_be_visible()
    screenshot(page, "home-zh")


def test_language_switch_to_english(page):
    page.goto("/")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    screenshot(page, "home-en")
    # The choice sticks for the next page.
    page.goto("/account/login")
    assert page.locator("html").get_attribute("lang") == "en"


def test_visitor_registers_is_logged_in_and_logs_out(page):
    suffix = secrets.token_hex(4)
    username, display_name = f"e2e_{suffix}", f"观众{suffix}"
    page.goto("/account/register")
    page.fill("#username", username)
    page.fill("#display_name", display_name)
    page.fill("#password", "Browser-pass-2026")
    page.fill("#confirm", "Browser-pass-2026")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_text(display_name).first).to_be_visible()
    expect(_logout_button(page)).to_have_count(1)
    screenshot(page, "registered")

    _logout_button(page).click()
    expect(page.locator("a[href*='/account/login']").first).to_be_visible()
    expect(page.get_by_text(display_name)).to_have_count(0)
    me = page.request.get("/api/v1/me")
    assert me.status == 401, me.text()


def test_demo_coordinator_logs_in_and_the_api_knows_the_role(page):
    from app.demo.loader import DEMO_LOGINS, DEMO_PASSWORD

    coordinators = [username for username, role in DEMO_LOGINS if role == "coordinator"]
    assert coordinators, "DEMO_LOGINS lists no coordinator"
    page.goto("/account/login")
    page.fill("#username", coordinators[0])
    page.fill("#password", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/account/login"))
    expect(_logout_button(page)).to_have_count(1)
    me = page.request.get("/api/v1/me")
    assert me.ok, me.text()
    assert me.json()["data"]["role"] == "coordinator"
    assert me.json()["data"]["username"] == coordinators[0]


def test_phone_home(new_context, console_log):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    console_log.attach(page)
    assert page.goto("/").status == 200
    screenshot(page, "home-phone")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the home page scrolls sideways on a phone ({width}px wide)"
    assert not console_log.csp_violations()


def test_pages_have_no_csp_violations(page, console_log):
    for path in ("/", "/account/login", "/account/register", "/?lang=en"):
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    assert console_log.csp_violations() == [], console_log.errors

    # The check is not vacuous: an inline script is refused and reported.
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("""() => { const s = document.createElement('script');
                                  s.textContent = 'window.__inline = 1';
                                  document.body.appendChild(s); }""")
    assert console_log.csp_violations()
    assert page.evaluate("() => window.__inline") is None
