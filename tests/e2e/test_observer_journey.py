"""Oversight in the browser: the coordinator invites an observer, who accepts and files a note
during the live; the lead agency answers it and the observer reads the answer."""
from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.helpers import logged_in_context

pytestmark = [pytest.mark.browser, pytest.mark.live_server]

def test_observer_accepts_files_a_note_and_the_agency_answers(live_server, new_context, console_log, scenario):
    token = secrets.token_hex(3)
    episode_id, observer_id = scenario["live"], str(scenario["observer"])

    # The coordinator invites the observer to the live episode.
    coordinator = logged_in_context(new_context, live_server, "sfj").new_page()
    console_log.attach(coordinator)
    coordinator.goto(f"/episodes/{episode_id}/observers")
    coordinator.locator("#observer_id").select_option(observer_id)
    coordinator.locator("main form button[type=submit]").last.click()
    expect(coordinator.locator("table.obs-table tbody tr")).to_have_count(1)

    # The observer finds the invitation on their page and accepts it.
    observer = logged_in_context(new_context, live_server, "observer").new_page()
    console_log.attach(observer)
    observer.goto("/me/observer")
    invitation = observer.locator("li").filter(
        has=observer.locator(f"a[href$='/episodes/{episode_id}']")).filter(has=observer.locator("form"))
    invitation.locator("form:has(input[value=accept]) button").click()
    expect(observer.locator(".flash").first).to_be_visible()
    observer.goto("/me/observer")
    write = observer.locator(f"a[href$='/episodes/{episode_id}/observer-notes/new']")
    expect(write).to_be_visible()
    screenshot(observer, "observer-page")

    # …and files a note to the lead agency.
    write.click()
    body = f"现场执法人员未出示执法证件，建议规范亮证。{token}"
    observer.locator("#agency_id").select_option(index=0)
    observer.locator("#aspect").select_option(index=0)
    observer.locator("#body").fill(body)
    observer.locator("main form button[type=submit]").click()
    expect(observer.get_by_text(body).first).to_be_visible()

    # The agency answers it from its list of observer notes.
    agency = logged_in_context(new_context, live_server, "scjg").new_page()
    console_log.attach(agency)
    agency.goto("/observers/notes")
    row = agency.locator(".obs-note-row", has_text=body)
    answer = f"已责令当事执法人员整改，今后全程亮证执法。{token}"
    row.locator("textarea[name=body]").fill(answer)
    screenshot(agency, "observer-notes-agency")
    row.locator("button[type=submit]").first.click()
    expect(agency.locator(".obs-note-row", has_text=body)).to_contain_text(answer)

    # The observer reads the answer under their note.
    observer.goto("/me/observer")
    expect(observer.locator("body")).to_contain_text(answer)
    assert console_log.csp_violations() == []
