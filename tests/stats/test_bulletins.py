"""Monthly bulletins: the sweep on the 1st (once), on demand by the coordinator, archive, PDF."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.extensions import db
from app.stats.jobs import monthly_bulletin
from app.stats.models import Bulletin
from tests import factories
from tests.conftest import csrf_token
from tests.security.helpers import text_of
from tests.stats.helpers import finding

UTC = timezone.utc


def value(html: str, key: str) -> str:
    match = re.search(rf'data-key="{key}">([^<]*)<', html)
    assert match, key
    return match.group(1)


def october(app):
    """An episode broadcast on 2026-10-15 (Shanghai) with two findings; one overdue at the end of October."""
    agency = factories.agency()
    episode = factories.episode("follow_up", agencies=[agency], start=datetime(2026, 10, 15, 2, tzinfo=UTC),
                                view_count=1234)
    found = datetime(2026, 10, 15, 4, tzinfo=UTC)
    finding(episode, agency, found, state="open", found_days=0, due_days=7, party_name="十月逾期")
    finding(episode, agency, found, state="open", found_days=0, due_days=30, party_name="十一月到期")
    factories.episode("closed", agencies=[agency], start=datetime(2026, 9, 30, 16, 30, tzinfo=UTC))  # 00:30 on Oct 1 in Shanghai
    db.session.commit()
    return episode


def test_the_sweep_makes_last_months_bulletin_once(app, tmp_path):
    october(app)
    first_of_november = datetime(2026, 10, 31, 16, 5, tzinfo=UTC)  # 00:05 on Nov 1 in Shanghai

    assert monthly_bulletin(first_of_november) == "2026-10"
    db.session.commit()
    assert monthly_bulletin(first_of_november + timedelta(hours=1)) is None
    db.session.commit()

    assert db.session.scalar(select(func.count(Bulletin.id))) == 1
    bulletin = db.session.scalar(select(Bulletin))
    assert bulletin.month == "2026-10"
    assert value(bulletin.html, "episodes") == "2"  # 2026-09-30 16:30 UTC is October 1st in Shanghai
    assert value(bulletin.html, "findings") == "2"
    assert value(bulletin.html, "overdue") == "1"
    assert "十月逾期" in bulletin.html


def test_the_bulletin_page_and_its_pdf(app, client):
    october(app)
    monthly_bulletin(datetime(2026, 11, 1, 0, 0, tzinfo=UTC))
    db.session.commit()

    listing = client.get("/bulletins")
    page = client.get("/bulletins/2026-10")
    pdf = client.get("/bulletins/2026-10.pdf")

    assert "/bulletins/2026-10" in listing.get_data(as_text=True)
    assert page.status_code == 200 and "十月逾期" in text_of(page)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert client.get("/bulletins/2026-09").status_code == 404


def test_the_coordinator_generates_any_month_on_demand(app, login_as):
    october(app)
    coordinator = login_as("coordinator")
    token = csrf_token(coordinator, "/bulletins")

    response = coordinator.post("/bulletins", data={"month": "2026-10", "csrf_token": token})

    assert response.status_code == 302 and response.headers["Location"] == "/bulletins/2026-10"
    again = coordinator.post("/bulletins", data={"month": "2026-10", "csrf_token": token})
    assert again.status_code == 302
    assert db.session.scalar(select(func.count(Bulletin.id))) == 1


def test_a_bad_or_future_month_is_refused_with_a_message(app, login_as):
    coordinator = login_as("coordinator")
    token = csrf_token(coordinator, "/bulletins")

    bad = coordinator.post("/bulletins", data={"month": "2026-13", "csrf_token": token})
    future = coordinator.post("/bulletins", data={"month": "2999-01", "csrf_token": token})

    assert bad.status_code == 422 and "YYYY-MM" in text_of(bad)
    assert future.status_code == 422 and ("not begun" in text_of(future) or "尚未" in text_of(future))
    assert db.session.scalar(select(func.count(Bulletin.id))) == 0


def test_only_the_coordinator_may_generate(app, login_as):
    public = login_as("public")
    token = csrf_token(public, "/bulletins")

    response = public.post("/bulletins", data={"month": "2026-10", "csrf_token": token})

    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Bulletin.id))) == 0
