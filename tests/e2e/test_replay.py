"""Replays and live streams of the demo play offline, from the site's own recordings.

A viewer opens the ended demo episode, plays the recording (hls.js in Chromium), seeks, and sees
the comments and notes of that moment; pressing a comment's moment plays from there. The live
scenario episode streams the demo's live feed, which plays too.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.live_server]

PLAYING = "() => { const v = document.getElementById('live-video'); return v.currentTime > %s && !v.paused; }"


def _demo_episode(page, number: int) -> dict:
    episodes = page.request.get("/api/v1/episodes?per_page=100").json()["data"]
    return next(e for e in episodes if e["number"] == number)


def _published_comments(page, episode_id: int) -> list[dict]:
    body = page.request.get(f"/api/v1/episodes/{episode_id}/comments?limit=500&since_seq=0").json()
    assert body["ok"] and not body["meta"]["more"]
    return body["data"]


def _play(page, after: float = 0.5) -> None:
    """Start the video (muted, so no gesture is needed) and wait until its time really moves on."""
    page.evaluate("() => { const v = document.getElementById('live-video'); v.muted = true; return v.play(); }")
    page.wait_for_function(PLAYING % after)


def _seek(page, seconds: float) -> float:
    """Pause, jump to `seconds` and wait until the jump is done; the time the video shows."""
    return page.evaluate("""(t) => new Promise((done) => {
        const v = document.getElementById('live-video');
        v.pause();
        v.addEventListener('seeked', () => done(v.currentTime), { once: true });
        v.currentTime = t;
    })""", seconds)


def _shown_comments(page) -> list[str]:
    return page.locator("#live-comments li.live-item .live-body").all_inner_texts()


def _comments_until(comments: list[dict], seconds: float) -> list[str]:
    return [c["body"] for c in sorted(comments, key=lambda c: c["offset_seconds"]) if c["offset_seconds"] <= seconds]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_replay_plays_offline_and_comments_follow_the_video_time(new_context, console_log, network_log, viewport):
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if viewport == "phone" else {}
    page = new_context(**options).new_page()
    console_log.attach(page)
    network_log.attach(page)
    episode = _demo_episode(page, 12)
    assert episode["state"] == "ended" and episode["replay_url"] == "/static/demo/recordings/12.m3u8"
    comments = _published_comments(page, episode["id"])
    assert len(comments) >= 6

    page.goto(f"/episodes/{episode['id']}")
    room = page.locator("#live-room")
    expect(room).to_have_attribute("data-mode", "replay")
    _play(page)
    video = page.evaluate("() => { const v = document.getElementById('live-video'); "
                          "return {w: v.videoWidth, h: v.videoHeight, duration: v.duration}; }")
    assert video == {"w": 640, "h": 360, "duration": 180}
    # The picture starts at 0: the time the player shows is the time the comments are stamped with.
    assert page.evaluate("() => document.getElementById('live-video').buffered.start(0)") < 0.1
    expect(page.locator("#live-player-error")).to_be_hidden()

    # Seek into the middle: exactly the comments posted up to that moment are shown, in time order.
    at = _seek(page, 100)
    assert 99 <= at <= 101
    expected = _comments_until(comments, at)
    assert 0 < len(expected) < len(comments), "the seek lands between the first and the last comment"
    expect(page.locator("#live-comments li.live-item")).to_have_count(len(expected))
    assert _shown_comments(page) == expected
    screenshot(page, f"replay-{viewport}")

    # Pressing the first comment's moment plays the recording from there: the later ones go away.
    first = page.locator("#live-comments li.live-item").first.locator(".live-moment")
    minutes, seconds = (int(x) for x in first.inner_text().split(":"))
    first.click()
    page.wait_for_function(PLAYING % (minutes * 60 + seconds - 0.01))
    at = _seek(page, minutes * 60 + seconds)
    expect(page.locator("#live-comments li.live-item")).to_have_count(len(_comments_until(comments, at)))

    # Notes follow the same clock: at the start only the opening note; at the end all of them.
    page.get_by_role("tab", name="图文讲解").click()
    _seek(page, 5)
    expect(page.locator("#live-notes li")).to_have_count(1)
    expect(page.locator("#live-notes li", has_text="欢迎来到")).to_be_visible()
    notes = page.request.get(f"/api/v1/episodes/{episode['id']}/notes").json()["data"]
    _seek(page, 179)
    expect(page.locator("#live-notes li")).to_have_count(len(notes))
    assert page.evaluate("() => document.getElementById('live-video').duration") == 180
    if viewport == "phone":
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the replay page scrolls sideways on a phone ({width}px wide)"
        screenshot(page, "replay-phone-notes-moment")

    assert console_log.errors == []
    assert network_log.failures == []


def test_the_live_stream_plays_the_sites_own_feed(page, network_log, console_log, scenario):
    network_log.attach(page)
    page.goto(f"/episodes/{scenario['live']}")
    expect(page.locator("#live-room")).to_have_attribute("data-mode", "live")
    expect(page.locator("#live-room")).to_have_attribute("data-stream-url", "/static/demo/recordings/13.m3u8")
    _play(page, after=1.5)
    assert page.evaluate("() => document.getElementById('live-video').videoWidth") == 640
    expect(page.locator("#live-player-error")).to_be_hidden()
    assert console_log.errors == []
    assert network_log.failures == []
