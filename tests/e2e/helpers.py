"""Shared steps of the browser journeys: log in through the form, register, set up preconditions."""
from __future__ import annotations

import re
import secrets
import subprocess
import sys

from playwright.sync_api import expect

from tests.live_server import ROOT, LiveServer

PASSWORD = "Browser-pass-2026"


def logout_button(page):
    return page.locator("form[action$='/account/logout'] button")


def login(page, username: str, password: str | None = None) -> None:
    """Log in through the login form (demo password unless given) and wait until it took."""
    from app.demo.loader import DEMO_PASSWORD

    page.goto("/account/login")
    page.fill("#username", username)
    page.fill("#password", password or DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/account/login"))
    expect(logout_button(page)).to_have_count(1)


def register(page, prefix: str = "e2e") -> tuple[str, str]:
    """Register a new public account through the form; returns (username, display name)."""
    suffix = secrets.token_hex(4)
    username, display_name = f"{prefix}_{suffix}", f"{prefix}{suffix}"
    page.goto("/account/register")
    page.fill("#username", username)
    page.fill("#display_name", display_name)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(logout_button(page)).to_have_count(1)
    return username, display_name


def server_python(server: LiveServer, code: str) -> str:
    """Run Python with an app context on the live server's database (preconditions only); stdout."""
    script = ("from app import create_app\nfrom app.extensions import db\napp = create_app()\n"
              "with app.app_context():\n" + "".join(f"    {line}\n" for line in code.splitlines()))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=server.env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"python on the live server's database failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


SCENARIO = """
from datetime import timedelta
from sqlalchemy import select
from app.accounts.models import User
from app.agencies.models import Domain
from app.core import clock
from app.core.auth import SYSTEM
from app.core.db import unit_of_work
from app.episodes import services
from app.findings.services import record_finding
from app.observers.models import Observer

def user(name):
    return db.session.scalar(select(User).where(User.username == name))

now = clock.now()
lead = user("scjg").agency_id
domain = db.session.scalar(select(Domain.id).order_by(Domain.id))
made = {}
for key, title, steps in (("scheduled", "直播旅程：消防通道专项检查", ["publish"]),
                          ("live", "无障碍与监督检查直播", ["publish", "go_live"]),
                          ("ended", "跟进旅程：小区消防整改", ["publish", "go_live", "end"])):
    # The live one streams the demo's live feed, a recording the site serves itself.
    stream = "/static/demo/recordings/13.m3u8" if key == "live" else None
    with unit_of_work():
        episode = services.create_episode(SYSTEM, title=title, domain_id=domain, agency_ids=[lead],
                                          scheduled_start=now + timedelta(minutes=30), now=now,
                                          stream_url=stream)
    for step in steps:
        with unit_of_work():
            services.transition(SYSTEM, episode.id, step, now=clock.now())
    made[key] = episode.id
with unit_of_work():
    finding = record_finding(SYSTEM, made["ended"], now=clock.now(), party_name="幸福小区物业",
                             description="消防通道被杂物堵塞。", domain_id=domain, agency_id=lead,
                             rectify_by=clock.now() + timedelta(days=7))
made["finding"] = finding.id
made["observer"] = db.session.scalar(select(Observer.id).where(Observer.user_id == user("observer").id))
print("SCENARIO", " ".join(f"{key}={value}" for key, value in made.items()))
"""


def build_scenario(server: LiveServer) -> dict[str, int]:
    """Preconditions of the journeys, in one process start: episodes led by scjg's agency that are
    scheduled, live and ended (the last with an open finding), and the demo observer's id."""
    out = server_python(server, SCENARIO)
    words = out.split()
    pairs = words[words.index("SCENARIO") + 1:]
    return {key: int(value) for key, value in (pair.split("=") for pair in pairs)}


_STATES: dict[tuple[str, str], dict] = {}


def logged_in_context(new_context, server: LiveServer, username: str, **options):
    """A browser context logged in as `username`: through the form the first time in the session,
    then from the saved cookies (the login form itself is covered by the journeys)."""
    key = (server.url, username)
    if key in _STATES:
        return new_context(storage_state=_STATES[key], **options)
    context = new_context(**options)
    page = context.new_page()
    login(page, username)
    page.close()
    _STATES[key] = context.storage_state()
    return context
