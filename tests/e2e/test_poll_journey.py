"""Topic polls in the browser: a citizen proposes and votes; the coordinator approves,
decides and schedules the episode. One journey: each step builds on the one before."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.helpers import logged_in_context, register

pytestmark = [pytest.mark.browser, pytest.mark.live_server]


def _open_poll_id(page) -> int:
    listed = page.request.get("/api/v1/polls")
    assert listed.ok, listed.text()
    open_polls = [p for p in listed.json()["data"] if p["state"] == "open"]
    assert open_polls, "the demo data has no open poll"
    return open_polls[0]["id"]


def _total(topic) -> int:
    return int(topic.locator(".js-total").inner_text())


def test_citizen_proposes_and_votes_then_coordinator_approves_decides_and_schedules(new_context, console_log,
                                                                                    live_server):
    token = secrets.token_hex(3)
    citizen = new_context().new_page()
    console_log.attach(citizen)
    poll_id = _open_poll_id(citizen)
    register(citizen, "citizen")

    # An onlooker without an account watches the same poll: its counts move live.
    onlooker = new_context().new_page()
    onlooker.goto(f"/polls/{poll_id}")

    # 1. The citizen proposes a topic.
    citizen.goto(f"/polls/{poll_id}")
    proposal = f"夜市占道经营与油烟 {token}"
    form = citizen.locator("#propose form")
    form.locator("#title").fill(proposal)
    form.locator("#domain").select_option(index=1)
    form.locator("#description").fill("每晚十点后摊位占满人行道，油烟直排居民楼。")
    form.locator("button[type=submit]").click()
    expect(citizen).to_have_url(re.compile(rf"/polls/{poll_id}"))
    mine = citizen.locator("#my-proposals li", has_text=proposal)
    expect(mine).to_be_visible()
    expect(mine.locator(".badge")).to_have_text("待审核")

    # 2. …and votes for the first candidate topic; the count moves for them and for the onlooker.
    topic = citizen.locator("ol.poll-topics li.poll-topic").first
    topic_id = topic.get_attribute("data-topic-id")
    before = _total(topic)
    topic.locator("form button[type=submit]").click()
    voted = citizen.locator(f"#topic-{topic_id}")
    expect(voted.locator(".js-total")).to_have_text(str(before + 1))
    expect(voted.locator(".badge-ok")).to_be_visible()
    expect(onlooker.locator(f"#topic-{topic_id} .js-total")).to_have_text(str(before + 1))
    screenshot(citizen, "poll-voted")

    # 3. The coordinator approves the proposal: it becomes a candidate everyone sees.
    coordinator = logged_in_context(new_context, live_server, "sfj").new_page()
    console_log.attach(coordinator)
    coordinator.goto(f"/polls/{poll_id}/review")
    card = coordinator.locator("li.card").filter(has=coordinator.locator("h2", has_text=proposal))
    card.locator("input[type=radio][value=approve]").check()
    card.locator("button[type=submit]").click()
    expect(card).to_have_count(0)
    onlooker.reload()
    expect(onlooker.locator("ol.poll-topics .topic-title", has_text=proposal)).to_be_visible()

    # 4. …decides the poll for the most voted topic, giving a public reason.
    coordinator.goto(f"/polls/{poll_id}/decide")
    leader = coordinator.locator(".field-check", has=coordinator.locator(".badge-ok")).first
    chosen = leader.locator("label").inner_text().strip()
    leader.locator("input[type=radio]").check()
    coordinator.locator("#reason").fill("得票最多，且与近期群众投诉一致。")
    screenshot(coordinator, "poll-decide")
    coordinator.locator("main form button[type=submit]").click()

    # 5. …creates the episode on it and publishes it to the schedule.
    expect(coordinator).to_have_url(re.compile(rf"/polls/{poll_id}/episode"))
    expect(coordinator.locator("#title")).to_have_value(chosen)
    episode_title = f"{chosen} {token}"
    coordinator.locator("#title").fill(episode_title)
    coordinator.locator("#agency_ids").select_option(index=0)
    start = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=9)
    coordinator.locator("#scheduled_start").fill(start.strftime("%Y-%m-%dT09:30"))
    coordinator.locator("main form button[type=submit]").click()
    expect(coordinator).to_have_url(re.compile(rf"/polls/{poll_id}#decision"))
    coordinator.locator("#decision a.btn").click()
    expect(coordinator.locator("h1")).to_contain_text(episode_title)
    coordinator.locator("form[action$='/step']:has(input[value=publish]) button").click()
    expect(coordinator.locator("form[action$='/step']:has(input[value=publish])")).to_have_count(0)

    # The citizen sees the decision and the scheduled episode; it is on the public schedule.
    citizen.goto(f"/polls/{poll_id}")
    expect(citizen.locator("#decision")).to_contain_text(chosen)
    expect(citizen.locator("#decision a.btn")).to_contain_text(episode_title)
    screenshot(citizen, "poll-decided")
    citizen.goto("/episodes")
    expect(citizen.get_by_text(episode_title).first).to_be_visible()
    assert console_log.csp_violations() == []
