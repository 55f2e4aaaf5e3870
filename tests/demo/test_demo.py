"""`flask demo load`: a realistic program in an empty database, loaded once."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.agencies.models import Agency, Domain
from app.core import clock
from app.demo import loader
from app.demo.recordings import RECORDING_SECONDS, RECORDINGS_DIR
from app.episodes.models import Episode
from app.extensions import db
from app.findings.models import Finding, FollowUp, FollowUpOutcome, FollowUpRevision
from app.legal.models import LegalBasis
from app.live.models import Comment, LiveNote
from app.notifications.models import AuditLog, Notification, Subscription
from app.observers.models import OBSERVER_KINDS, Invitation, Observer, ObserverNote
from app.polls.models import OfflineTally, Poll, Topic, Vote
from tests.conftest import login

COUNTED = (User, Agency, Domain, LegalBasis, Episode, Comment, LiveNote, Finding, FollowUp, FollowUpOutcome,
           Poll, Topic, Vote, OfflineTally, Observer, Invitation, ObserverNote, Subscription, Notification,
           AuditLog)


def count(model, *where) -> int:
    """Rows of a model matching the conditions."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def counts() -> dict[str, int]:
    """Row counts of every table the demo fills."""
    return {m.__name__: count(m) for m in COUNTED}


@pytest.fixture
def loaded(runner):
    """The demo loaded through the CLI; returns the command's output."""
    started = time.perf_counter()
    result = runner.invoke(args=["demo", "load"])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert elapsed < 10, f"demo load took {elapsed:.1f}s"
    return result.output


def test_prints_every_demo_login(loaded):
    assert loader.DEMO_PASSWORD == "zhibo-demo-2026"
    assert loader.DEMO_PASSWORD in loaded
    for username, role in loader.DEMO_LOGINS:
        assert username in loaded and role in loaded
    roles = {role for _, role in loader.DEMO_LOGINS}
    assert roles == {"coordinator", "admin", "agency_staff", "observer", "public"}


def test_catalogue_and_people(loaded):
    assert count(Domain) == 10
    assert count(Agency) == 16
    assert count(LegalBasis) >= 12
    assert {o.kind for o in db.session.scalars(select(Observer))} == set(OBSERVER_KINDS)
    assert count(Observer) >= 12
    staff = db.session.scalars(select(User).where(User.role == "agency_staff")).all()
    assert len({u.agency_id for u in staff}) >= 2
    scjg = db.session.scalar(select(User).where(User.username == "scjg"))
    assert scjg.agency.slug == "scjg"
    observer_user = db.session.scalar(select(User).where(User.username == "observer"))
    assert db.session.scalar(select(Observer).where(Observer.user_id == observer_user.id)) is not None
    assert count(User, User.role == "public") >= 40
    for agency in db.session.scalars(select(Agency)):
        assert agency.domains and agency.short_name and agency.name_en and agency.description


def test_past_episodes_have_the_whole_loop(loaded):
    now = clock.now()
    past = db.session.scalars(select(Episode).where(Episode.state.in_(("ended", "follow_up", "closed")))
                              .order_by(Episode.number)).all()
    assert len(past) >= 10
    assert [e.number for e in past] == list(range(1, len(past) + 1))
    for episode in past:
        assert episode.live_at < episode.ended_at < now
        assert 500_000 <= episode.view_count <= 1_200_000
        assert 1 <= len(episode.participations) <= 3
        assert episode.replay_url == f"/static/demo/recordings/{episode.number}.m3u8"
        seqs = db.session.scalars(select(Comment.seq).where(Comment.episode_id == episode.id)
                                  .order_by(Comment.seq)).all()
        assert seqs == list(range(1, len(seqs) + 1)) and episode.last_comment_seq == len(seqs)
        assert count(LiveNote, LiveNote.episode_id == episode.id, LiveNote.legal_basis_id.is_not(None)) >= 1
        assert count(Finding, Finding.episode_id == episode.id) >= 1
    assert count(Comment, Comment.kind == "question", Comment.answer_body.is_not(None)) >= 10
    assert count(FollowUp, FollowUp.state == "published") >= 10
    assert count(FollowUpRevision, FollowUpRevision.number == 1) == count(FollowUp)
    closed = db.session.scalars(select(Finding).where(Finding.state == "closed")).all()
    assert closed and all(f.rectified_at and f.closed_at for f in closed)
    still_open = db.session.scalars(select(Finding).where(Finding.state == "open")).all()
    assert sum(f.is_overdue(now) for f in still_open) == 1
    assert any(not f.is_overdue(now) for f in still_open)
    scheduled = db.session.scalars(select(FollowUp).where(FollowUp.state == "approved")).all()
    assert scheduled and all(r.publish_at > now and r.published_at is None for r in scheduled)
    assert count(ObserverNote, ObserverNote.answer_body.is_not(None)) >= 3


def test_upcoming_episode_and_polls(loaded):
    now = clock.now()
    upcoming = db.session.scalars(select(Episode).where(Episode.state == "scheduled")).all()
    assert len(upcoming) == 1
    episode = upcoming[0]
    assert now + timedelta(days=1) < episode.scheduled_start < now + timedelta(days=7)
    assert episode.published_at < now and episode.stream_url
    decided = db.session.scalar(select(Poll).where(Poll.state == "decided"))
    assert decided.decided_topic_id == episode.topic_id
    assert count(Invitation, Invitation.episode_id == episode.id, Invitation.state == "pending") >= 1

    polls = db.session.scalars(select(Poll).where(Poll.state == "open")).all()
    assert len(polls) == 1
    poll = polls[0]
    assert poll.opens_at < now < poll.closes_at and poll.votes_per_person in (2, 3)
    states = [t.state for t in poll.topics]
    assert 5 <= states.count("approved") <= 6
    assert states.count("pending") == 2 and states.count("rejected") == 1
    assert all(t.proposed_by.role == "public" for t in poll.topics if t.state == "pending")
    assert count(Vote, Vote.poll_id == poll.id) >= 40
    assert db.session.scalar(select(func.max(Vote.slot)).where(Vote.poll_id == poll.id)) == poll.votes_per_person
    assert count(OfflineTally) >= 2


def test_demo_citizen_follows_things(loaded):
    me = db.session.scalar(select(User).where(User.username == "citizen01"))
    assert count(Subscription, Subscription.user_id == me.id) >= 3
    assert count(Notification, Notification.user_id == me.id) >= 3
    assert count(AuditLog) >= 3


@pytest.mark.parametrize("username, role", loader.DEMO_LOGINS)
def test_every_demo_login_works(runner, client, username, role):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    response = login(client, username, loader.DEMO_PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert client.get("/api/v1/me").json["data"]["role"] == role


def test_loading_twice(loaded, runner):
    before = counts()
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    assert counts() == before
    refused = runner.invoke(args=["demo", "load"])
    assert refused.exit_code != 0 and "empty database" in refused.output
    assert counts() == before
    with pytest.raises(RuntimeError):
        loader.load_demo(now=clock.now())


def test_failure_leaves_nothing(app, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr("app.demo.build_polls.build_open_poll", boom)
    with pytest.raises(RuntimeError, match="simulated"):
        loader.load_demo(now=clock.now())
    assert all(n == 0 for n in counts().values())


def test_home_page_shows_the_upcoming_episode_and_open_poll(loaded, client):
    html = client.get("/").get_data(as_text=True)
    upcoming = db.session.scalar(select(Episode).where(Episode.state == "scheduled"))
    poll = db.session.scalar(select(Poll).where(Poll.state == "open"))
    assert upcoming.title in html
    assert poll.title in html


def _playlist_seconds(path) -> float:
    """The length of an HLS playlist: the sum of its segments' EXTINF durations."""
    lines = path.read_text().splitlines()
    assert lines[0] == "#EXTM3U" and "#EXT-X-ENDLIST" in lines
    return sum(float(line.split(":", 1)[1].rstrip(",")) for line in lines if line.startswith("#EXTINF:"))


def test_every_episode_has_its_own_recording_and_everything_in_a_replay_falls_inside_it(loaded):
    episodes = db.session.scalars(select(Episode).order_by(Episode.number)).all()
    for episode in episodes:
        url = episode.replay_url or episode.stream_url
        assert url == f"/static/demo/recordings/{episode.number}.m3u8"
        assert _playlist_seconds(RECORDINGS_DIR / f"{episode.number}.m3u8") == RECORDING_SECONDS
        comments = db.session.scalars(select(Comment).where(Comment.episode_id == episode.id)
                                      .order_by(Comment.seq)).all()
        notes = db.session.scalars(select(LiveNote).where(LiveNote.episode_id == episode.id)).all()
        findings = db.session.scalars(select(Finding).where(Finding.episode_id == episode.id)).all()
        moments = ([c.offset_seconds for c in comments] + [n.offset_seconds for n in notes]
                   + [f.replay_offset_seconds for f in findings])
        assert all(0 <= m < RECORDING_SECONDS for m in moments), (episode.number, moments)
        offsets = [c.offset_seconds for c in comments]
        assert offsets == sorted(offsets), "comments follow video time in seq order"
        if episode.state != "scheduled":
            # Something to read within the first seconds of the replay.
            assert min(offsets) <= 15 and min(n.offset_seconds for n in notes) <= 15
            assert all(c.created_at == episode.live_at + timedelta(seconds=c.offset_seconds) for c in comments)
    # Recordings are small: they are committed (scripts/make_demo_recordings.py made them).
    assert sum(p.stat().st_size for p in RECORDINGS_DIR.iterdir()) < 500_000


def test_the_site_serves_the_recordings(loaded, client):
    playlist = client.get("/static/demo/recordings/12.m3u8")
    assert playlist.status_code == 200
    text = playlist.get_data(as_text=True)
    assert '#EXT-X-MAP:URI="12.mp4"' in text and "#EXT-X-BYTERANGE:" in text
    # hls.js asks for each segment by byte range.
    length, start = (int(x) for x in text.split("#EXT-X-BYTERANGE:")[1].split()[0].split("@"))
    part = client.get("/static/demo/recordings/12.mp4", headers={"Range": f"bytes={start}-{start + length - 1}"})
    assert part.status_code == 206 and len(part.data) == length
    assert part.mimetype == "video/mp4"
    assert part.data[4:8] in (b"sidx", b"moof", b"styp")  # an fMP4 fragment starts there


def test_the_legal_library(loaded, client):
    from datetime import date

    from app.legal.models import EnforcementItem, Statute, TypicalCase

    statutes = {s.title: s for s in db.session.scalars(select(Statute))}
    assert {"《中华人民共和国食品安全法》", "《中华人民共和国消防法》", "《中华人民共和国安全生产法》"} <= set(statutes)
    assert statutes["《食品经营许可管理办法》"].repealed_on == date(2023, 12, 1)
    assert {s.kind for s in statutes.values()} == {"law", "regulation", "local_regulation", "rule"}
    items = db.session.scalars(select(EnforcementItem)).all()
    assert len(items) >= 6 and all(len(i.circumstances) == 3 and i.bases for i in items)
    assert count(TypicalCase) >= 3
    named = count(Finding, Finding.discretion_level_id.is_not(None))
    assert named >= 10
    page = client.get("/library/search?q=食品经营许可").get_data(as_text=True)
    assert "<mark>食品经营许可</mark>" in page
