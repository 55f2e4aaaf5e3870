"""Browser fixtures: Playwright (sync API) driving the system's Chromium.

Playwright's own browser download is not used: the Debian `chromium` package is
(CHROMIUM overrides the path). Without it the browser tests skip locally and fail
under CI=true.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.live_server import ARTIFACTS, skip_or_fail

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ARTIFACTS / "screenshots"
PHONE = {"width": 390, "height": 844}


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot to test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _run_tag() -> str:
    """"sqlite" or "pg": failure screenshots of the two `make test` runs stay apart."""
    return "pg" if os.environ.get("DATABASE_URL") else "sqlite"


@pytest.fixture(scope="session")
def _playwright():
    for old in SCREENSHOTS.glob(f"FAILED-{_run_tag()}-*.png"):
        old.unlink()
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        skip_or_fail(f"playwright is not installed: {error}")
    playwright = sync_playwright().start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="session")
def browser(_playwright):
    """One headless Chromium for the session."""
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


class ConsoleLog:
    """Console errors, page errors and CSP violations seen by a page."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page) -> None:
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if re.search(r"Content.Security.Policy", e, re.I)]


@pytest.fixture
def new_context(browser, live_server, request):
    """new_context(**options) → a fresh browser context on the live server (closed after)."""
    contexts = []

    def _new(**options):
        options.setdefault("base_url", live_server.url)
        options.setdefault("locale", "zh-CN")
        options.setdefault("timezone_id", "Asia/Shanghai")
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield _new
    failed = getattr(request.node, "_zhibo_failed", False)
    for i, context in enumerate(contexts):
        if failed:
            for j, page in enumerate(context.pages):
                try:
                    screenshot(page, f"FAILED-{_run_tag()}-{request.node.name}-{i}-{j}")
                except Exception:  # the page may be gone; the failure itself is what matters
                    pass
        context.close()


@pytest.fixture
def console_log() -> ConsoleLog:
    return ConsoleLog()


class NetworkLog:
    """Requests of a page that failed (no answer, or a 4xx/5xx one), with the page that made them.

    A request the browser cancels because the page navigated away (net::ERR_ABORTED from an earlier
    page) is not a failure; one aborted while its own page is still shown is.
    """

    def __init__(self) -> None:
        self.failures: list[str] = []
        self._page_of: dict[int, str] = {}
        self._shown = ""

    def attach(self, page) -> None:
        page.on("framenavigated", lambda frame: self._navigated(page, frame))
        page.on("request", lambda request: self._page_of.__setitem__(id(request), self._shown))
        page.on("requestfailed", self._failed)
        page.on("response", self._answered)

    def _answered(self, response) -> None:
        if response.status >= 400:
            self.failures.append(f"{response.status} {response.url} (on {self._page_of.get(id(response.request))})")

    def _navigated(self, page, frame) -> None:
        if frame == page.main_frame:
            self._shown = frame.url

    def _failed(self, request) -> None:
        made_on = self._page_of.get(id(request), "")
        error = request.failure or ""
        if "ERR_ABORTED" in error and made_on != self._shown:
            return
        self.failures.append(f"{error} {request.url} (on {made_on})")


@pytest.fixture
def network_log() -> NetworkLog:
    return NetworkLog()


@pytest.fixture
def page(new_context, console_log):
    """A page in a fresh desktop context (Chinese locale) whose console is recorded."""
    page = new_context().new_page()
    console_log.attach(page)
    return page


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item._zhibo_failed = True


@pytest.fixture(scope="session")
def scenario(live_server) -> dict[str, int]:
    """Preconditions the journeys do not cover (tests/e2e/helpers.py build_scenario): ids of
    episodes "scheduled", "live", "ended", of the ended one's "finding" and of the demo "observer"."""
    from tests.e2e.helpers import build_scenario

    return build_scenario(live_server)


@pytest.fixture(scope="session")
def live_episode(scenario) -> int:
    """A live episode (the live-room accessibility and phone tests; the observer journey)."""
    return scenario["live"]
