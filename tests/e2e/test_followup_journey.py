"""The follow-up loop in the browser: the agency submits a report with a photo and a publish
time, the coordinator approves it, and once the scheduler's sweep runs at that time the report
is on the episode page and the follow-up board.

The ended episode and its finding are a precondition (the `scenario` fixture). The sweep is the
scheduler's own `publish_follow_ups` job, run through the live server's app at the chosen publish
time (the in-process scheduler would take up to its 30 s interval after that minute; the live
push of a publication by the scheduler is covered by tests/scaleout)."""
from __future__ import annotations

import io
import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.helpers import logged_in_context, server_python

pytestmark = [pytest.mark.browser, pytest.mark.live_server]

BEIJING = ZoneInfo("Asia/Shanghai")
SWEEP = """
from app.core.db import unit_of_work
from app.findings.jobs import publish_follow_ups
from app.findings.models import FollowUp
publish_at = db.session.get(FollowUp, {report_id}).publish_at
with unit_of_work():
    publish_follow_ups(publish_at)
db.session.expire_all()
print("STATE", db.session.get(FollowUp, {report_id}).state)
"""


def _photo(tmp_path) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(buffer, "JPEG")
    path = tmp_path / "reinspection.jpg"
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_agency_report_with_photo_is_approved_and_published_by_the_scheduler(live_server, new_context,
                                                                              console_log, tmp_path, scenario):
    token = secrets.token_hex(3)
    party = "幸福小区物业"
    episode_id, finding_id = scenario["ended"], scenario["finding"]

    # A member of the public has the episode page open.
    viewer = new_context().new_page()
    console_log.attach(viewer)
    viewer.goto(f"/episodes/{episode_id}")
    expect(viewer.locator("#follow-up")).to_contain_text(party)
    expect(viewer.locator(".fu-episode-reports")).to_have_count(0)

    # The agency writes the report: outcome, reinspection date, text, a photo and a publish time.
    agency = logged_in_context(new_context, live_server, "scjg").new_page()
    console_log.attach(agency)
    agency.goto(f"/follow-ups/new?episode={episode_id}")
    agency.locator(f"#outcome_{finding_id}").select_option("rectified")
    now = datetime.now(BEIJING)
    agency.locator("#reinspected_on").fill(now.strftime("%Y-%m-%d"))
    body = f"复查时消防通道已清理完毕，物业已建立每日巡查制度。{token}"
    agency.locator("#body").fill(body)
    agency.locator("#photos").set_input_files(_photo(tmp_path))
    publish_at = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)
    agency.locator("#publish_at").fill(publish_at.strftime("%Y-%m-%dT%H:%M"))
    screenshot(agency, "follow-up-form")
    agency.locator("button[name=action][value=submit]").click()
    expect(agency).to_have_url(re.compile(r"/follow-ups/\d+"))
    report_id = int(re.search(r"/follow-ups/(\d+)", agency.url).group(1))
    expect(agency.locator("main")).to_contain_text(body)

    # The coordinator approves it; it keeps the agency's publish time.
    coordinator = logged_in_context(new_context, live_server, "sfj").new_page()
    console_log.attach(coordinator)
    coordinator.goto(f"/follow-ups/{report_id}")
    review = coordinator.locator(f"form[action$='/follow-ups/{report_id}/review']")
    review.locator("input[type=radio][value=approve]").check()
    review.locator("button[type=submit]").click()
    expect(coordinator.locator(f"form[action$='/follow-ups/{report_id}/review']")).to_have_count(0)
    expect(coordinator.locator("main")).to_contain_text(publish_at.strftime("%H:%M"))  # "to be published …"
    viewer.reload()
    expect(viewer.locator(".fu-episode-reports")).to_have_count(0)  # approved, not yet published

    # The scheduler's sweep at the publish time publishes it.
    # (Were the machine slow enough for the publish time to pass, the in-process scheduler may
    # have got there first: either way the report must now be published, exactly once.)
    out = server_python(live_server, SWEEP.format(report_id=report_id))
    assert "STATE published" in out, out
    viewer.reload()
    published = viewer.locator(".fu-episode-reports a")
    expect(published).to_have_count(1)
    screenshot(viewer, "episode-follow-up-published")
    published.click()
    expect(viewer.locator("main")).to_contain_text(body)
    photo = viewer.locator("main img[src*='/uploads/findings/']").first
    expect(photo).to_be_visible()
    assert viewer.evaluate("(img) => img.complete && img.naturalWidth > 0", photo.element_handle())
    viewer.goto(f"/follow-up?episode={episode_id}")
    expect(viewer.locator("main")).to_contain_text(party)
    screenshot(viewer, "follow-up-board")
    assert console_log.csp_violations() == []
