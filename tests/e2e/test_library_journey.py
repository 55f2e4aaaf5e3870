"""The legal library in the browser: search → article → case → the replay at that moment.

Precondition (server_python): an ended episode with a real (generated) WebM recording served by the
site, and a live note at 0:12 citing 《中华人民共和国消防法》第二十八条 from the demo catalogue.
The journey then only clicks: the search box, the article in the results, the case's replay link;
the video must be at 12 s. Screenshots of the library pages on phone and desktop, in both languages.
"""
from __future__ import annotations

import re
import secrets
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.helpers import server_python
from tests.live_server import skip_or_fail

pytestmark = [pytest.mark.browser, pytest.mark.live_server]

PRECONDITION = """
from datetime import timedelta
from sqlalchemy import select
from app.accounts.models import User
from app.core import clock
from app.core.auth import SYSTEM
from app.core.db import unit_of_work
from app.episodes import services
from app.legal.models import LegalBasis, Statute
from app.live.models import LiveNote

lead = db.session.scalar(select(User).where(User.username == "xfjy")).agency_id
basis = db.session.scalar(select(LegalBasis).join(Statute).where(
    Statute.title == "《中华人民共和国消防法》", LegalBasis.article == "第二十八条"))
with unit_of_work():
    episode = services.create_episode(SYSTEM, title="宝典旅程：楼道消防通道检查", domain_id=basis.items[0].domain_id,
                                      agency_ids=[lead], scheduled_start=clock.now() + timedelta(minutes=30),
                                      now=clock.now())
for step in ("publish", "go_live", "end"):
    with unit_of_work():
        services.transition(SYSTEM, episode.id, step, now=clock.now())
with unit_of_work():
    episode.replay_url = "{base}/live/note-images/{video}"
    db.session.add(LiveNote(episode_id=episode.id, author_id=db.session.scalar(select(User.id).where(
        User.username == "sfj")), body="{body}", legal_basis_id=basis.id, offset_seconds=12,
        created_at=clock.now()))
print("EPISODE", episode.id)
"""


def _recording(server) -> str:
    """A 30-second VP8 WebM in the live server's note-image folder (served with range requests)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        skip_or_fail("ffmpeg is not installed (apt-get install ffmpeg)")
    folder = server.instance_dir / "live_notes"
    folder.mkdir(exist_ok=True)
    name = f"replay-{secrets.token_hex(4)}.webm"
    subprocess.run([ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=30:size=160x120:rate=10",
                    "-c:v", "libvpx", "-b:v", "60k", "-g", "10", str(folder / name)], check=True, timeout=120)
    return name


def test_search_article_case_replay_moment(live_server, new_context, console_log):
    body = f"楼道内堆放纸箱，堵塞消防车通道和疏散通道，当场责令清理。{secrets.token_hex(3)}"
    out = server_python(live_server, PRECONDITION.replace("{base}", live_server.url)
                        .replace("{video}", _recording(live_server)).replace("{body}", body))
    episode_id = int(out.split("EPISODE")[1].split()[0])

    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    console_log.attach(page)
    page.goto("/")
    page.get_by_role("link", name="执法宝典").first.click()
    expect(page).to_have_url(re.compile(r"/library$"))
    page.locator("#lib-q").fill("消防车通道")
    page.locator(".lib-search button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/library/search\?q="))
    results = page.locator(".lib-result")
    expect(results.first).to_be_visible()
    expect(page.locator(".lib-result mark").first).to_have_text("消防车通道")
    screenshot(page, "library-search-phone-zh")

    page.locator(".lib-result").filter(has_text="《中华人民共和国消防法》第二十八条").filter(
        has_text="条款").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/library/articles/\d+$"))
    expect(page.locator("h1")).to_contain_text("《中华人民共和国消防法》第二十八条")
    case = page.locator(".lib-case").filter(has_text=body)
    expect(case).to_contain_text("宝典旅程：楼道消防通道检查")
    screenshot(page, "library-article-phone-zh")

    case.get_by_role("link", name=re.compile("回放 0:12")).click()
    expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}#t=12$"))
    page.wait_for_function("() => { const v = document.getElementById('live-video');"
                           " return v && v.readyState >= 1 && Math.abs(v.currentTime - 12) < 1; }")
    expect(page.locator("#live-room")).to_contain_text(body)  # the note is shown once the replay reaches 0:12
    assert not console_log.csp_violations(), console_log.errors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_library_pages_on_phone_and_desktop(live_server, new_context, console_log, lang):
    for device, options in (("phone", {"viewport": PHONE, "is_mobile": True, "has_touch": True}),
                            ("desktop", {"viewport": {"width": 1280, "height": 900}})):
        page = new_context(**options).new_page()
        console_log.attach(page)
        page.goto(f"/lang/{lang}")  # the session's language, kept while clicking through
        page.goto("/library")
        expect(page.locator("h1")).to_have_text("执法宝典" if lang == "zh" else "Legal library")
        screenshot(page, f"library-index-{device}-{lang}")
        page.locator(".lib-list a").filter(has_text="330218060").click()
        expect(page.locator(".lib-standard tbody tr")).to_have_count(3)
        screenshot(page, f"library-item-{device}-{lang}")
        page.goto("/library/search?q=健康证")
        expect(page.locator(".lib-result").first).to_be_visible()
        screenshot(page, f"library-search-{device}-{lang}")
        page.goto("/library/teaching?domain=fire")
        expect(page.locator(".lib-case").first).to_be_visible()
        screenshot(page, f"library-teaching-{device}-{lang}")
        repealed = page.goto("/library")
        assert repealed.ok
        page.locator(".lib-articles a.is-repealed").first.click()
        expect(page.locator(".lib-repealed-note")).to_be_visible()
        screenshot(page, f"library-repealed-{device}-{lang}")
    assert not console_log.csp_violations(), console_log.errors
