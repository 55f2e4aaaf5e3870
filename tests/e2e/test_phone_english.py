"""The key pages on a phone-sized screen, in English (after the language switch) and in Chinese:
they answer, are in the chosen language, do not scroll sideways and raise no CSP error.
Screenshots: test-artifacts/screenshots/phone-<lang>-<page>.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.helpers import logged_in_context

pytestmark = [pytest.mark.browser, pytest.mark.live_server]


def _pages(page, live_episode: int) -> dict[str, str]:
    polls = page.request.get("/api/v1/polls").json()["data"]
    open_polls = [p for p in polls if p["state"] == "open"]
    return {"home": "/", "schedule": "/episodes", "poll": f"/polls/{(open_polls or polls)[0]['id']}",
            "live-room": f"/episodes/{live_episode}", "follow-up-board": "/follow-up",
            "statistics": "/statistics"}


def _check(page, path: str, lang: str, name: str, console_log) -> None:
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("main")).to_be_visible()
    screenshot(page, f"phone-{lang}-{name}")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} scrolls sideways on a phone in {lang} ({width}px wide)"
    assert console_log.csp_violations() == [], (path, console_log.errors)


def test_key_pages_on_a_phone_in_english(new_context, live_server, live_episode, console_log):
    context = logged_in_context(new_context, live_server, "citizen01", viewport=PHONE, is_mobile=True,
                                has_touch=True, device_scale_factor=2)
    page = context.new_page()
    console_log.attach(page)
    page.goto("/")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for name, path in _pages(page, live_episode).items():
        _check(page, path, "en", name, console_log)
        if name == "live-room":
            expect(page.get_by_role("tab", name="Comments")).to_be_visible()
            expect(page.get_by_role("tab", name="Q&A")).to_be_visible()
            expect(page.locator("#live-compose button[type=submit]")).to_have_text("Send")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_live_room_and_poll_on_a_phone_in_chinese(new_context, live_server, live_episode, console_log):
    context = logged_in_context(new_context, live_server, "citizen01", viewport=PHONE, is_mobile=True,
                                has_touch=True, device_scale_factor=2)
    page = context.new_page()
    console_log.attach(page)
    pages = _pages(page, live_episode)
    for name in ("live-room", "poll", "statistics"):
        _check(page, pages[name], "zh-CN", name, console_log)
    page.goto(pages["live-room"])
    expect(page.get_by_role("tab", name="评论")).to_be_visible()
