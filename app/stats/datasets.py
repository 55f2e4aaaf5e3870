"""The open datasets (episodes, findings, follow-ups, polls, parties) as plain rows, with no personal data.

The statistics page's figures are computed from exactly these rows (see figures.py), so what
the page shows can always be recomputed from the downloads. Rows hold datetime objects (encoded
as ISO 8601 only when downloaded: parsing 100,000 findings' times twice would cost seconds).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app.agencies.models import Agency, Domain
from app.core.auth import ANONYMOUS
from app.episodes.models import Episode, EpisodeAgency
from app.extensions import db
from app.findings.models import Finding, FollowUp, FollowUpOutcome, FollowUpRevision
from app.findings.queries import PUBLIC_EPISODE_STATES as FINDING_EPISODE_STATES
from app.observers.models import Invitation
from app.polls.models import Poll, Topic
from app.polls.queries import results, visible_polls

#: Published episodes (drafts are never open data).
PUBLIC_EPISODE_STATES = ("scheduled", "live", "ended", "follow_up", "closed")
#: Episodes already broadcast: the ones the program's figures count.
HELD_STATES = ("ended", "follow_up", "closed")
OPEN_FINDING_STATES = ("open", "partly_rectified", "reopened")


def iso(value: datetime | date | None) -> datetime | date | None:
    """Times and dates stay objects in the snapshot; opendata.encode writes them as ISO 8601 (UTC)."""
    return value


def episodes() -> list[dict]:
    """Published episodes: counters, agencies (lead first) and the ids of accepted observers."""
    agencies: dict[int, list[tuple[str, str]]] = {}
    for episode_id, slug, role in db.session.execute(
            select(EpisodeAgency.episode_id, Agency.slug, EpisodeAgency.role).join(Agency)
            .order_by(EpisodeAgency.episode_id, EpisodeAgency.agency_id)):
        agencies.setdefault(episode_id, []).append((role, slug))
    observers: dict[int, list[int]] = {}
    for episode_id, observer_id in db.session.execute(
            select(Invitation.episode_id, Invitation.observer_id).where(Invitation.state == "accepted")
            .order_by(Invitation.episode_id, Invitation.observer_id)):
        observers.setdefault(episode_id, []).append(observer_id)
    query = (select(Episode.id, Episode.number, Episode.title, Episode.state, Domain.code, Episode.scheduled_start,
                    Episode.live_at, Episode.ended_at, Episode.view_count, Episode.peak_viewers, Episode.like_count)
             .join(Domain, Domain.id == Episode.domain_id)
             .where(Episode.state.in_(PUBLIC_EPISODE_STATES)).order_by(Episode.number))
    rows = []
    for (eid, number, title, state, domain, start, live_at, ended_at, views, peak, likes) in db.session.execute(query):
        rows.append({
            "id": eid, "number": number, "title": title, "state": state, "domain": domain,
            "agencies": [slug for _, slug in sorted(agencies.get(eid, []), key=lambda r: r[0] != "lead")],
            "scheduled_start": iso(start), "live_at": iso(live_at), "ended_at": iso(ended_at),
            "view_count": views, "peak_viewers": peak, "like_count": likes,
            "observer_ids": observers.get(eid, []),
        })
    return rows


def findings() -> list[dict]:
    """Findings of broadcast episodes (the public board's), without the inspected party's address."""
    slugs = dict(db.session.execute(select(Agency.id, Agency.slug)).all())
    codes = dict(db.session.execute(select(Domain.id, Domain.code)).all())
    query = (select(Finding.id, Episode.number, Finding.agency_id, Finding.domain_id, Finding.severity,
                    Finding.state, Finding.created_at, Finding.rectify_by, Finding.rectified_at, Finding.closed_at,
                    Finding.party_id)
             .join(Episode, Finding.episode_id == Episode.id)
             .where(Episode.state.in_(FINDING_EPISODE_STATES)).order_by(Finding.id))
    return [{"id": fid, "episode_number": number, "agency": slugs[agency_id], "domain": codes[domain_id],
             "severity": severity, "state": state, "found_at": iso(found), "rectify_by": iso(due),
             "rectified_at": iso(rectified), "closed_at": iso(closed), "party_id": party_id}
            for fid, number, agency_id, domain_id, severity, state, found, due, rectified, closed, party_id
            in db.session.execute(query)]


def follow_ups() -> list[dict]:
    """Published follow-up reports with their outcome per finding."""
    outcomes: dict[int, list[dict]] = {}
    for follow_up_id, finding_id, outcome in db.session.execute(
            select(FollowUpOutcome.follow_up_id, FollowUpOutcome.finding_id, FollowUpOutcome.outcome)
            .join(FollowUp).where(FollowUp.state == "published")
            .order_by(FollowUpOutcome.follow_up_id, FollowUpOutcome.finding_id)):
        outcomes.setdefault(follow_up_id, []).append({"finding_id": finding_id, "outcome": outcome})
    revisions: dict[int, int] = {}
    for follow_up_id, number in db.session.execute(select(FollowUpRevision.follow_up_id, FollowUpRevision.number)):
        revisions[follow_up_id] = max(number, revisions.get(follow_up_id, 0))
    query = (select(FollowUp.id, Episode.number, Agency.slug, FollowUp.reinspected_on, FollowUp.published_at)
             .join(Episode, FollowUp.episode_id == Episode.id).join(Agency, FollowUp.agency_id == Agency.id)
             .where(FollowUp.state == "published").order_by(FollowUp.id))
    return [{"id": fid, "episode_number": number, "agency": slug, "reinspected_on": iso(on),
             "published_at": iso(published), "revisions": revisions.get(fid, 1), "outcomes": outcomes.get(fid, [])}
            for fid, number, slug, on, published in db.session.execute(query)]


def polls() -> list[dict]:
    """Published polls with their results; counts are left out while a poll hides them (until it closes)."""
    rows = []
    for poll in db.session.scalars(visible_polls(ANONYMOUS).order_by(None).order_by(Poll.id)):
        result = results(poll)
        counts = {t.topic_id: t for t in result.topics}
        topics = db.session.execute(select(Topic.id, Topic.title).where(
            Topic.poll_id == poll.id, Topic.state == "approved").order_by(Topic.id)).all()
        rows.append({
            "id": poll.id, "title": poll.title, "state": poll.state, "opens_at": iso(poll.opens_at),
            "closes_at": iso(poll.closes_at), "decided_topic_id": poll.decided_topic_id,
            "counts_visible": result.visible,
            "topics": [{"topic_id": tid, "title": title,
                        "online": counts[tid].online if tid in counts else None,
                        "offline": counts[tid].offline if tid in counts else None,
                        "total": counts[tid].total if tid in counts else None} for tid, title in topics],
        })
    return rows


def parties() -> list[dict]:
    """Inspected parties with a public inspection (app/parties; no address, as in findings)."""
    from app.parties.queries import open_rows

    return open_rows()
