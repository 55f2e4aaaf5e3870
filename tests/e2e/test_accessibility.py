"""Accessibility of the key pages: axe-core finds no serious or critical violation, every control
is reachable with the Tab key, and live comments are announced politely without moving focus.

axe-core is vendored under tests/e2e/vendor/axe-core (see static/vendor/VERSIONS.md) and injected
by Playwright into contexts opened with bypass_csp=True: the site's CSP refuses foreign scripts.
"""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import logged_in_context, register

pytestmark = [pytest.mark.browser, pytest.mark.live_server]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

#: The shown, enabled controls of the page, each tagged data-kb. A radio group or a tablist (roving
#: tabindex: arrow keys move inside it) counts as reached when one of its members is. A natively
#: interactive element taken out of the tab order with tabindex=-1 stays in the list: it would be
#: reported as unreachable. Non-interactive tabindex=-1 elements are focus targets, not controls.
CONTROLS_JS = """() => {
  const found = [];
  const interactive = 'a[href], button, input, select, textarea, summary, iframe';
  document.querySelectorAll(interactive + ', [tabindex]').forEach((el, i) => {
    if (el.disabled || el.matches('input[type=hidden]')) return;
    if (el.getAttribute('tabindex') === '-1' && !el.matches(interactive)) return;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') return;
    if (el.closest('[inert]')) return;
    el.dataset.kb = String(i);
    let group = 'el:' + i;
    if (el.type === 'radio') group = 'radio:' + el.name;
    const tablist = el.getAttribute('role') === 'tab' && el.closest('[role=tablist]');
    if (tablist) group = 'tablist:' + (tablist.id || tablist.getAttribute('aria-label'));
    found.push({kb: String(i), group: group, html: el.outerHTML.slice(0, 160)});
  });
  return found;
}"""


def _poll_path(page) -> str:
    """The open poll if there is one (the poll journey may have decided it), else the newest."""
    polls = page.request.get("/api/v1/polls").json()["data"]
    assert polls, "the demo data has no poll"
    open_polls = [p for p in polls if p["state"] == "open"]
    return f"/polls/{(open_polls or polls)[0]['id']}"


def _key_pages(page, live_episode: int) -> dict[str, str]:
    return {"home": "/", "poll": _poll_path(page), "live room": f"/episodes/{live_episode}",
            "follow-up board": "/follow-up", "statistics": "/statistics"}


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
      const result = await axe.run(document, {resultTypes: ['violations']});
      return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(' '))}));
    }""")


def _open(page, path: str) -> None:
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    page.wait_for_load_state("networkidle")


@pytest.fixture
def viewer(new_context, live_server):
    """A logged-in public viewer's page (vote buttons, proposal form and comment box are shown)."""
    return logged_in_context(new_context, live_server, "citizen01", bypass_csp=True).new_page()


def test_key_pages_have_no_serious_or_critical_axe_violations(viewer, new_context, live_episode):
    pages = _key_pages(viewer, live_episode)
    found = {}
    # Logged in, the pages show their forms (vote, proposal, comment box) on top of what visitors see.
    visits = [("citizen", viewer, name, path) for name, path in pages.items()]
    visits.append(("visitor", new_context(bypass_csp=True).new_page(), "home", "/"))
    for who, page, name, path in visits:
        _open(page, path)
        if name == "live room":
            expect(page.locator("#live-room")).to_have_attribute("data-state", "live")
        blocking = [v for v in _axe(page) if v["impact"] in BLOCKING]
        if blocking:
            found[f"{who} {name} ({path})"] = blocking
    # The live room's other tabs, with a question in them, are checked too.
    _open(viewer, pages["live room"])
    viewer.fill("#live-body", f"无障碍检查的提问 {secrets.token_hex(3)}")
    viewer.check("#live-ask")
    viewer.locator("#live-compose button[type=submit]").click()
    expect(viewer.locator("#live-comments li.live-question").first).to_be_visible()
    for tab in ("#tab-questions", "#tab-notes"):
        viewer.click(tab)
        blocking = [v for v in _axe(viewer) if v["impact"] in BLOCKING]
        if blocking:
            found[f"live room {tab}"] = blocking
    assert found == {}, found


def test_every_control_on_the_key_pages_is_reachable_with_tab(viewer, live_episode):
    unreachable = {}
    for name, path in _key_pages(viewer, live_episode).items():
        _open(viewer, path)
        controls = viewer.evaluate(CONTROLS_JS)
        assert controls, f"no control found on {path}"
        groups = {c["group"] for c in controls}
        by_kb = {c["kb"]: c["group"] for c in controls}
        reached: set[str] = set()
        viewer.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
        for _ in range(len(controls) + 10):
            viewer.keyboard.press("Tab")
            kb = viewer.evaluate("() => document.activeElement ? (document.activeElement.dataset.kb || '') : ''")
            if kb in by_kb:
                reached.add(by_kb[kb])
            if reached == groups:
                break
        missing = [c["html"] for c in controls if c["group"] not in reached]
        if missing:
            unreachable[f"{name} ({path})"] = missing
    assert unreachable == {}, unreachable

    # The live room's tabs: Tab reaches the selected one, the arrow keys move along the tablist.
    _open(viewer, f"/episodes/{live_episode}")
    viewer.focus("#tab-comments")
    viewer.keyboard.press("ArrowRight")
    expect(viewer.locator("#tab-questions")).to_be_focused()
    expect(viewer.locator("#tab-questions")).to_have_attribute("aria-selected", "true")
    assert viewer.evaluate("() => [document.getElementById('panel-questions').hidden,"
                           " document.getElementById('panel-comments').hidden]") == [False, True]


def test_live_comments_are_announced_politely_without_stealing_focus(viewer, new_context, live_episode):
    path = f"/episodes/{live_episode}"
    _open(viewer, path)
    comments = viewer.locator("#live-comments")
    expect(comments).to_have_attribute("aria-live", "polite")
    expect(viewer.locator("#live-room")).to_have_attribute("data-state", "live")
    # The viewer is half-way through typing a comment…
    draft = "我正在输入一条评论"
    viewer.locator("#live-body").click()
    viewer.keyboard.type(draft)

    # …when another viewer's comment arrives.
    other = new_context().new_page()
    register(other, "a11y")
    other.goto(path)
    text = f"另一位观众的评论 {secrets.token_hex(3)}"
    other.fill("#live-body", text)
    other.locator("#live-compose button[type=submit]").click()

    arrived = comments.locator("li.live-item", has_text=text)
    expect(arrived).to_be_visible()
    assert viewer.evaluate("() => document.activeElement && document.activeElement.id") == "live-body"
    expect(viewer.locator("#live-body")).to_have_value(draft)
    expect(viewer.locator("#live-body")).to_be_focused()
    # The new comment is inside the polite live region, which announces additions only.
    assert arrived.evaluate("(li) => li.closest('[aria-live]').getAttribute('aria-live')") == "polite"
    expect(comments).to_have_attribute("aria-relevant", "additions")

