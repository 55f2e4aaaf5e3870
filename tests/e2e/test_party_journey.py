"""Inspected parties in the browser: the agency issues a one-time code, the party (no account, on a
phone) answers with it once, the coordinator publishes the statement beside the finding; a viewer
reports officer conduct in the live, the agency answers and the coordinator publishes it."""
from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.helpers import logged_in_context, register

pytestmark = [pytest.mark.browser, pytest.mark.live_server]


def test_the_party_answers_with_its_code_and_its_statement_is_published(live_server, new_context, console_log,
                                                                       scenario):
    token = secrets.token_hex(3)
    agency = logged_in_context(new_context, live_server, "scjg").new_page()
    console_log.attach(agency)
    agency.goto(f"/findings/{scenario['finding']}")
    agency.get_by_role("link", name="查看该执法对象").click()
    expect(agency.locator("h1")).to_have_text("幸福小区物业")
    party_url = agency.url
    agency.get_by_role("button", name="向执法对象发放监督码").first.click()
    code = agency.locator(".pt-code-big").inner_text().replace("-", "")
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", code)
    expect(agency.locator(".pt-qr img")).not_to_have_js_property("naturalWidth", 0)  # the PNG loaded
    screenshot(agency, "party-code-issued-zh")

    party = new_context(viewport=PHONE, is_mobile=True).new_page()
    console_log.attach(party)
    party.goto(f"/p/{code}")
    expect(party.locator("h1")).to_have_text("幸福小区物业")
    party.locator("input[name=took_place][value=yes]").check()
    party.locator("input[name=conduct_standard][value='5']").check()
    party.locator("input[name=conduct_civil][value='4']").check()
    statement = f"物业已于次日清理消防通道杂物。{token}"
    party.locator("textarea[name^=statement_]").first.fill(statement)
    screenshot(party, "party-answer-phone-zh")
    party.locator("main form button[type=submit]").click()
    expect(party.locator("h1")).to_have_text("感谢您，回应已记录")
    party.goto(f"/p/{code}")
    expect(party.locator("[role=alert]")).to_contain_text("已于")  # already used on <date>
    screenshot(party, "party-code-used-phone-zh")

    coordinator = logged_in_context(new_context, live_server, "sfj").new_page()
    console_log.attach(coordinator)
    coordinator.goto("/parties/statements")
    card = coordinator.locator(".card", has_text=statement)
    card.locator("input[value=publish]").check()
    screenshot(coordinator, "party-statements-review-zh")
    card.locator("button[type=submit]").click()
    expect(coordinator.locator(".flash").first).to_contain_text("已在问题旁公开")

    public = new_context(viewport=PHONE, is_mobile=True).new_page()
    console_log.attach(public)
    public.goto(f"/findings/{scenario['finding']}")
    expect(public.locator(".pt-statement")).to_contain_text(statement)
    public.goto("/lang/en")
    public.goto(party_url)
    expect(public.locator(".pt-inspections")).to_contain_text("Confirmed by the party")
    screenshot(public, "party-page-phone-en")
    desktop = new_context().new_page()
    desktop.goto("/lang/en")
    desktop.goto("/parties")
    expect(desktop.locator(".pt-list")).to_contain_text("幸福小区物业")
    screenshot(desktop, "parties-register-en")
    assert console_log.csp_violations() == []


def test_a_viewer_reports_conduct_the_agency_answers_and_it_is_published(live_server, new_context, console_log,
                                                                        scenario):
    token = secrets.token_hex(3)
    viewer = new_context(viewport=PHONE, is_mobile=True).new_page()
    console_log.attach(viewer)
    register(viewer, "conduct")
    viewer.goto(f"/episodes/{scenario['live']}")
    viewer.get_by_role("link", name="反映执法行为").click()
    body = f"执法人员对店主语气生硬。{token}"
    viewer.locator("#body").fill(body)
    screenshot(viewer, "complaint-form-phone-zh")
    viewer.locator("main form button[type=submit]").click()
    expect(viewer.locator(".flash").first).to_contain_text("感谢您的反映")
    expect(viewer.locator(".pt-complaint", has_text=body)).to_contain_text("待执法单位答复")

    agency = logged_in_context(new_context, live_server, "scjg").new_page()
    console_log.attach(agency)
    agency.goto("/complaints")
    card = agency.locator(".pt-complaint", has_text=body)
    answer = f"已约谈当事执法人员，要求文明执法。{token}"
    card.locator("textarea[name=body]").fill(answer)
    card.locator("button[type=submit]").click()
    expect(agency.locator(".pt-complaint", has_text=body)).to_contain_text(answer)

    coordinator = logged_in_context(new_context, live_server, "sfj").new_page()
    console_log.attach(coordinator)
    coordinator.goto("/lang/en")
    coordinator.goto("/complaints")
    card = coordinator.locator(".pt-complaint", has_text=body)
    card.locator("input[value=publish]").check()
    screenshot(coordinator, "complaints-coordinator-en")
    card.locator("form:has(input[value=publish]) button[type=submit]").click()
    expect(coordinator.locator(".flash").first).to_contain_text("Published on the episode")

    viewer.goto(f"/episodes/{scenario['live']}#conduct")
    section = viewer.locator("#conduct")
    expect(section).to_contain_text(body)
    expect(section).to_contain_text(answer)
    section.scroll_into_view_if_needed()
    screenshot(viewer, "episode-conduct-phone-zh")
    assert console_log.csp_violations() == []
