"""The live room with two viewers in two browsers, the coordinator's console and moderation.

The scheduled episode is a precondition (the `scenario` fixture);
everything after — going live, comments, likes, a question and its answer, hiding — is clicked.
"""
from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.helpers import logged_in_context, register

pytestmark = [pytest.mark.browser, pytest.mark.live_server]


def _send(page, text: str, *, question: bool = False) -> None:
    page.fill("#live-body", text)
    if question:
        page.check("#live-ask")
    page.locator("#live-compose button[type=submit]").click()
    expect(page.locator("#live-body")).to_have_value("")


def _comment(page, text: str):
    return page.locator("#live-comments li.live-item", has_text=text)


def test_two_viewers_chat_like_ask_and_see_moderation_live(live_server, new_context, console_log, scenario):
    token = secrets.token_hex(3)
    episode_id = scenario["scheduled"]

    host = logged_in_context(new_context, live_server, "sfj").new_page()
    console_log.attach(host)
    host.goto(f"/episodes/{episode_id}/console")
    host.get_by_role("button", name="开始直播").click()
    expect(host.get_by_role("button", name="结束直播")).to_be_visible()

    alice = logged_in_context(new_context, live_server, "citizen01").new_page()
    bob = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    for viewer in (alice, bob):
        console_log.attach(viewer)
    register(bob, "viewer")
    for viewer in (alice, bob):
        viewer.goto(f"/episodes/{episode_id}")
        expect(viewer.locator("#live-room")).to_have_attribute("data-state", "live")
        expect(viewer.locator("#live-compose")).to_be_visible()

    # Each sees the other's comment arrive without reloading.
    _send(alice, f"爱丽丝的评论 {token}")
    expect(_comment(bob, f"爱丽丝的评论 {token}")).to_be_visible()
    _send(bob, f"鲍勃的评论 {token}")
    expect(_comment(alice, f"鲍勃的评论 {token}")).to_be_visible()
    expect(_comment(alice, f"爱丽丝的评论 {token}")).to_be_visible()

    # A like from Alice moves Bob's counter.
    before = int(bob.locator("#live-likes").inner_text())
    alice.locator("#live-like").click()
    alice.locator("#live-like").click()
    expect(bob.locator("#live-likes")).to_have_text(str(before + 2))
    screenshot(bob, "live-room-phone")

    # Bob asks; the coordinator answers in the console; Alice reads the answer in the Q&A tab.
    _send(bob, f"请问执法依据是什么 {token}", question=True)
    expect(_comment(alice, f"请问执法依据是什么 {token}")).to_be_visible()
    host.reload()
    question = host.locator("#c-questions li", has_text=f"请问执法依据是什么 {token}")
    expect(question).to_be_visible()
    answer = f"依据《消防法》第二十八条 {token}"
    host.once("dialog", lambda dialog: dialog.accept(answer))
    question.get_by_role("button", name="回答").click()
    expect(host.locator("#console-feedback")).to_contain_text("操作成功")
    alice.get_by_role("tab", name="问答").click()
    expect(alice.locator("#panel-questions")).to_be_visible()
    expect(alice.locator("#live-questions li", has_text=answer)).to_be_visible()
    screenshot(alice, "live-room-questions")

    # The coordinator hides a comment of Alice's as it arrives: it vanishes from Bob's screen.
    alice.get_by_role("tab", name="评论").click()
    _send(alice, f"这条评论将被隐藏 {token}")
    expect(_comment(bob, f"这条评论将被隐藏 {token}")).to_be_visible()
    row = host.locator("#c-comments li", has_text=f"这条评论将被隐藏 {token}")
    expect(row).to_be_visible()
    screenshot(host, "live-console")
    row.get_by_role("button", name="隐藏").click()
    expect(_comment(bob, f"这条评论将被隐藏 {token}")).to_have_count(0)
    expect(_comment(alice, f"这条评论将被隐藏 {token}")).to_have_count(0)
    expect(row).to_have_count(0)
    expect(_comment(bob, f"鲍勃的评论 {token}")).to_be_visible()
    assert console_log.csp_violations() == []
