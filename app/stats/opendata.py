"""Encoding the open datasets as JSON and CSV (from the cached snapshot)."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

from app.stats.cache import Snapshot

DATASETS = ("episodes", "findings", "follow_ups", "polls", "legal_articles", "enforcement_items", "parties")
FORMATS = ("json", "csv")

#: CSV columns per dataset; lists are joined with ";" (outcomes as finding_id:outcome).
CSV_COLUMNS = {
    "episodes": ("id", "number", "title", "state", "domain", "agencies", "scheduled_start", "live_at",
                 "ended_at", "view_count", "peak_viewers", "like_count", "observer_ids"),
    "findings": ("id", "episode_number", "agency", "domain", "severity", "state", "found_at", "rectify_by",
                 "rectified_at", "closed_at", "party_id"),
    "follow_ups": ("id", "episode_number", "agency", "reinspected_on", "published_at", "revisions", "outcomes"),
    "parties": ("id", "domain", "inspections", "inspected_at", "confirmed_by_party", "disputed_by_party",
                "published_statements", "finding_ids"),
    "polls": ("poll_id", "poll_title", "poll_state", "opens_at", "closes_at", "decided_topic_id",
              "counts_visible", "topic_id", "topic_title", "online", "offline", "total"),
    # the legal library: the import's columns (docs/library.md), so an export can be imported back
    "legal_articles": ("statute", "kind", "issuing_body", "effective_on", "repealed_on", "article", "text",
                       "article_repealed_on"),
    "enforcement_items": ("code", "name", "domain", "agency", "description", "articles", "circumstances"),
}


def _json_default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(f"{v['finding_id']}:{v['outcome']}" if isinstance(v, dict)
                        else v.isoformat() if isinstance(v, (datetime, date)) else str(v) for v in value)
    return str(value)


def _csv_rows(name: str, rows: list[dict]):
    if name == "enforcement_items":
        from app.library.opendata import item_cells

        rows = [item_cells(row) for row in rows]
    if name != "polls":
        yield from ([row[c] for c in CSV_COLUMNS[name]] for row in rows)
        return
    for poll in rows:  # one line per topic
        head = [poll["id"], poll["title"], poll["state"], poll["opens_at"], poll["closes_at"],
                poll["decided_topic_id"], poll["counts_visible"]]
        for topic in poll["topics"] or [{}]:
            yield head + [topic.get("topic_id"), topic.get("title"), topic.get("online"), topic.get("offline"),
                          topic.get("total")]


def encode(snap: Snapshot, name: str, fmt: str) -> bytes:
    """The dataset in the format, encoded once per snapshot."""
    key = (name, fmt)
    if key not in snap.encoded:
        rows = snap.datasets[name]
        if fmt == "json":
            body = {"dataset": name, "generated_at": snap.generated_at.isoformat(), "count": len(rows), "data": rows}
            snap.encoded[key] = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_json_default).encode()
        else:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(CSV_COLUMNS[name])
            writer.writerows([_cell(v) for v in row] for row in _csv_rows(name, rows))
            snap.encoded[key] = ("\ufeff" + out.getvalue()).encode()  # BOM: spreadsheets read UTF-8
    return snap.encoded[key]
