"""A crawl of the demo site in Chromium: every page a visitor can reach by following links, then
the pages of each logged-in role; none may fail a request, log a console error or answer an error.

Nothing outside 127.0.0.1 is needed: a request to another host would fail (the test machine has
no internet) and be reported here. Links are followed from the home page (and each role's own
start pages); files that are not pages (calendar feeds, PDFs, CSV, photos) are left to their tests.
"""
from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

from tests.e2e.conftest import ConsoleLog, NetworkLog
from tests.e2e.helpers import logged_in_context

pytestmark = [pytest.mark.browser, pytest.mark.live_server]

#: Links that are not pages to look at: files, feeds, the language switch, log-out, the API itself.
NOT_PAGES = re.compile(r"\.(ics|pdf|atom|csv|json|png|jpe?g|webp|svg|m3u8|mp4)$|/cover$|/photo$|"
                       r"^/(lang|uploads|static|live/note-images)/|^/account/logout|^/api/(?!v1/docs$)")
#: Each logged-in role and pages of its own that its crawl (from the home page) must reach; it opens
#: at most PER_SHAPE pages of one shape (/episodes/<id>, /polls/<id>…), visitors open every page.
ROLES = {
    "sfj": ("/dashboard", "/episodes/manage", "/episodes/#/console", "/library/manage", "/live/words",
            "/follow-up/manage", "/observers"),
    "scjg": ("/follow-up/manage",),
    "observer": ("/me/observer",),
    "citizen01": ("/account/password",),
}
PER_SHAPE = 2
QUERY_VARIANTS = 2

LINKS_JS = """() => Array.from(document.querySelectorAll('a[href]'))
    .filter(a => !a.hasAttribute('download')).map(a => a.href)"""


def _shape(path: str) -> str:
    """/episodes/12/console → /episodes/#/console, /agencies/scjg → /agencies/#: one template."""
    return re.sub(r"/[^/]*\d[^/]*", "/#", re.sub(r"^/agencies/[^/]+", "/agencies/#", path))


def crawl(page, origin: str, starts: tuple[str, ...], per_shape: int | None) -> tuple[list[str], list[str]]:
    """Visit pages breadth-first from `starts`; returns (pages visited, problems found)."""
    console, network = ConsoleLog(), NetworkLog()
    console.attach(page)
    network.attach(page)
    queue, queued = deque(starts), set(starts)
    shapes: dict[str, int] = {}
    variants: dict[str, int] = {}
    visited, problems = [], []
    while queue:
        target = queue.popleft()
        path = urlsplit(target).path
        if per_shape is not None:
            shapes[_shape(path)] = shapes.get(_shape(path), 0) + 1
            if shapes[_shape(path)] > per_shape:
                continue
        if urlsplit(target).query:
            variants[path] = variants.get(path, 0) + 1
            if variants[path] > QUERY_VARIANTS:
                continue
        errors, failures = len(console.errors), len(network.failures)
        response = page.goto(target)
        page.wait_for_load_state("networkidle")
        visited.append(target)
        if response is None or response.status >= 400:
            problems.append(f"{target}: HTTP {response.status if response else 'no answer'}")
        problems += [f"{target}: console: {e}" for e in console.errors[errors:]]
        problems += [f"{target}: request: {f}" for f in network.failures[failures:]]
        for href in page.evaluate(LINKS_JS):
            parts = urlsplit(urljoin(origin, href))
            if f"{parts.scheme}://{parts.netloc}" != origin or NOT_PAGES.search(parts.path):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link not in queued:
                queued.add(link)
                queue.append(link)
    return visited, problems


def test_every_public_demo_page_loads_without_a_failed_request(live_server, new_context):
    page = new_context().new_page()
    visited, problems = crawl(page, live_server.url, ("/",), per_shape=None)
    assert problems == []
    shapes = {_shape(urlsplit(v).path) for v in visited}
    # The crawl really went everywhere a visitor goes, replays included.
    for shape in ("/", "/episodes/#", "/episodes/archive", "/polls/#", "/findings/#", "/follow-ups/#",
                  "/agencies/#", "/follow-up", "/statistics", "/open-data", "/bulletins/#", "/api/#/docs"):
        assert shape in shapes, f"the crawl never reached {shape}: {sorted(shapes)}"
    replays = [v for v in visited if _shape(v) == "/episodes/#"]
    assert len(replays) >= 12


@pytest.mark.parametrize("username", list(ROLES))
def test_every_page_of_a_logged_in_role_loads_without_a_failed_request(live_server, new_context, username):
    page = logged_in_context(new_context, live_server, username).new_page()
    starts = ("/",)
    if username == "sfj":
        # The host console is opened from the schedule by address (only held comments link to it).
        episodes = page.request.get("/api/v1/episodes?per_page=100").json()["data"]
        starts += tuple(f"/episodes/{e['id']}/console" for e in episodes if e["state"] in ("scheduled", "live"))
    visited, problems = crawl(page, live_server.url, starts, per_shape=PER_SHAPE)
    assert problems == []
    shapes = {_shape(urlsplit(v).path) for v in visited}
    assert "/account/login" not in shapes, "the crawl lost the log-in"
    missing = [shape for shape in ROLES[username] if shape not in shapes]
    assert not missing, f"{username}'s crawl never reached {missing}: {sorted(shapes)}"


def test_the_crawl_reports_what_fails(live_server, new_context):
    """Not vacuous: a missing page and a recording that cannot be fetched are both reported."""
    page = new_context().new_page()
    replay = next(e["id"] for e in page.request.get("/api/v1/episodes?state=ended").json()["data"] if e["replay_url"])
    page.route("**/demo/recordings/*.mp4", lambda route: route.abort())
    visited, problems = crawl(page, live_server.url, ("/no/such/page", f"/episodes/{replay}"), per_shape=1)
    assert any(p.startswith("/no/such/page: HTTP 404") for p in problems), problems
    assert any(f"/episodes/{replay}: request: net::ERR_FAILED" in p and ".mp4" in p for p in problems), problems
