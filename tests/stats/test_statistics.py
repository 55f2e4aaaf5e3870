"""The statistics page, recomputed exactly from the open-data downloads; caching; agency pages."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from statistics import median

from app.extensions import db
from tests import factories
from tests.security.helpers import text_of
from tests.stats.helpers import finding, program

ROW_RE = re.compile(r'<tr data-key="(\w+)"><th scope="row">[^<]*</th>\s*<td data-value="([^"]*)">([^<]*)</td>')


def page_figures(html: str) -> dict[str, tuple[str, str]]:
    """key → (exact value, shown text) from the page's table of figures."""
    return {key: (value, shown.strip()) for key, value, shown in ROW_RE.findall(html)}


def recompute(episodes: list[dict], findings: list[dict], now: datetime) -> dict:
    """The documented definitions (docs/statistics.md), applied to the downloads only."""
    t = datetime.fromisoformat
    held = [e for e in episodes if e["state"] in ("ended", "follow_up", "closed")]
    views = sum(int(e["view_count"]) for e in held)
    due = [f for f in findings if t(f["rectify_by"]) <= now]
    done = [f for f in findings if f["state"] in ("rectified", "closed") and f["rectified_at"]]
    done_due = [f for f in due if f in done]
    on_time = [f for f in done_due if t(f["rectified_at"]) <= t(f["rectify_by"])]
    days = [(t(f["rectified_at"]) - t(f["found_at"])).total_seconds() / 86400 for f in done]
    return {
        "episodes": len(held), "total_views": views, "average_views": round(views / len(held)),
        "peak_viewers": max(int(e["peak_viewers"]) for e in held),
        "agencies": len({a for e in held for a in e["agencies"].split(";")}),
        "observers": len({o for e in held for o in e["observer_ids"].split(";") if o}),
        "domains": len({e["domain"] for e in held} | {f["domain"] for f in findings}),
        "findings": len(findings), "due": len(due),
        "rectification_rate": len(done_due) / len(due), "on_time_rate": len(on_time) / len(due),
        "median_days_to_rectify": round(median(days), 1),
        "overdue": sum(1 for f in findings if f["state"] in ("open", "partly_rectified", "reopened")
                       and now > t(f["rectify_by"])),
    }


def download_csv(client, name: str) -> list[dict]:
    response = client.get(f"/open-data/{name}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_page_figures_are_recomputed_exactly_from_the_downloads(app, client, users):
    program(users)

    html = client.get("/statistics").get_data(as_text=True)
    episodes, findings = download_csv(client, "episodes"), download_csv(client, "findings")
    as_of = datetime.fromisoformat(client.get("/open-data/findings.json").json["generated_at"])
    expected = recompute(episodes, findings, as_of)
    shown = page_figures(html)

    assert {k: v for k, (v, _) in shown.items()} == {k: str(v) for k, v in expected.items()}
    # the figures a reader checks by hand, from the program above
    assert expected["episodes"] == 3 and expected["total_views"] == 1751 and expected["average_views"] == 584
    assert expected["peak_viewers"] == 90 and expected["agencies"] == 2 and expected["observers"] == 2
    assert expected["findings"] == 5 and expected["due"] == 3 and expected["overdue"] == 1
    assert shown["rectification_rate"][1] == "66.7%" and shown["on_time_rate"][1] == "33.3%"
    assert "n = 3" in text_of(client.get("/statistics"))


def test_json_downloads_hold_the_same_rows_as_the_csv(app, client, users):
    program(users)

    for name in ("episodes", "findings", "follow_ups"):
        body = client.get(f"/open-data/{name}.json").json
        rows = download_csv(client, name)
        assert body["count"] == len(rows) == len(body["data"])
        assert [str(r["id"]) for r in body["data"]] == [r["id"] for r in rows]


def test_downloads_hold_no_personal_data_and_no_drafts(app, client, users):
    program(users)

    everything = "".join(client.get(f"/open-data/{n}.{f}").get_data(as_text=True)
                         for n in ("episodes", "findings", "follow_ups", "polls") for f in ("csv", "json"))

    for secret in ("13800000000", "观察员0", "某路 1 号", users["public"].username, users["public"].display_name):
        assert secret not in everything
    assert len(download_csv(client, "episodes")) == 4  # 3 held + 1 scheduled; the draft is not open data
    assert len(download_csv(client, "findings")) == 5   # the draft episode's finding is not public


def test_poll_counts_stay_hidden_until_the_poll_closes(app, client, users):
    program(users)

    polls = {p["title"]: p for p in client.get("/open-data/polls.json").json["data"]}

    assert polls["隐藏计票"]["counts_visible"] is False
    assert polls["隐藏计票"]["topics"][0]["online"] is None
    assert polls["已结束"]["topics"][0]["online"] == 1


def test_the_cached_figures_follow_a_new_finding_at_once(app, client, users):
    data = program(users)
    assert page_figures(client.get("/statistics").get_data(as_text=True))["findings"][0] == "5"

    finding(data["episodes"][2], data["agencies"][1], data["now"], state="open", due_days=3)
    db.session.commit()

    assert page_figures(client.get("/statistics").get_data(as_text=True))["findings"][0] == "6"
    assert client.get("/open-data/findings.json").json["count"] == 6


def test_an_empty_program_shows_zeroes_and_no_rates(app, client):
    shown = page_figures(client.get("/statistics").get_data(as_text=True))

    assert shown["episodes"] == ("0", "0")
    assert shown["rectification_rate"][0] == ""


def test_unknown_datasets_and_formats_are_not_found(app, client):
    assert client.get("/open-data/users.csv").status_code == 404
    assert client.get("/open-data/episodes.xml").status_code == 404


def test_statistics_api_answers_the_same_snapshot(app, client, users):
    program(users)
    page = page_figures(client.get("/statistics").get_data(as_text=True))

    body = client.get("/api/v1/stats").json

    assert body["ok"] is True
    assert str(body["data"]["figures"]["findings"]) == page["findings"][0]
    assert body["data"]["charts"]["by_agency"]["labels"] == ["health", "market"]
    assert "/api/v1/stats" in client.get("/api/v1/openapi.json").json["paths"]


def test_agency_page_shows_its_figures_episodes_findings_reports_and_notes(app, client, users):
    data = program(users)
    market = data["agencies"][0]

    response = client.get(f"/agencies/{market.slug}")
    shown = page_figures(response.get_data(as_text=True))
    page = text_of(response)

    assert response.status_code == 200
    assert shown["episodes"][0] == "2" and shown["findings"][0] == "3" and shown["follow_ups"][0] == "1"
    assert shown["due"][0] == "2" and shown["rectification_rate"][1] == "100.0%"
    assert market.name_zh in page and data["episodes"][0].title in page
    assert "Observer notes and answers" in page or "监督意见" in page
    api = client.get(f"/api/v1/stats/agencies/{market.slug}").json["data"]
    assert api["findings"] == 3 and api["follow_ups"] == 1


def test_unknown_agency_is_not_found(app, client):
    factories.agency("known")
    db.session.commit()

    assert client.get("/agencies/nope").status_code == 404
    assert client.get("/api/v1/stats/agencies/nope").json["error"]["code"] == "agency_not_found"
    assert "known" in client.get("/agencies").get_data(as_text=True)
