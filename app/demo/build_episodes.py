"""Build the episodes with their agencies, live notes, comments and questions."""
from __future__ import annotations

from datetime import datetime, timedelta

from app.demo.build_base import DemoContext
from app.demo.data import people
from app.demo.data.specs import EpisodeSpec
from app.demo.recordings import RECORDING_SECONDS, recording_url
from app.episodes.models import Episode, EpisodeAgency
from app.extensions import db
from app.live.models import Comment, LiveNote, QuestionUpvote

#: Beijing 09:30 is 01:30 UTC: episodes go live in the morning.
LIVE_HOUR_UTC, LIVE_MINUTE = 1, 30
#: The first and last second of a recording that demo comments are spread over.
FIRST_COMMENT, LAST_COMMENT = 4, RECORDING_SECONDS - 12


def replay_moment(minute: int) -> int:
    """The second of the three-minute demo recording that plays story minute `minute` of the live.

    The demo program is told in minutes of a 90–120 minute live, but each recording is a short
    stand-in (app/demo/recordings.py), so minute m plays at second 10 + 2m (minute 70 → 2:30).
    """
    return min(10 + 2 * minute, RECORDING_SECONDS - 5)


def live_time(ctx: DemoContext, days_ago: int) -> datetime:
    """The live start of an episode held days_ago days before now (negative: ahead)."""
    day = ctx.now - timedelta(days=days_ago)
    return day.replace(hour=LIVE_HOUR_UTC, minute=LIVE_MINUTE, second=0, microsecond=0)


def build_episode(ctx: DemoContext, spec: EpisodeSpec) -> Episode:
    """One episode row with its participating agencies (lead first)."""
    start = live_time(ctx, spec.days_ago)
    past = spec.state != "scheduled"
    minutes = 90 + (spec.number % 4) * 10
    episode = Episode(
        number=spec.number, title=spec.title, summary=spec.summary, domain_id=ctx.domains[spec.domain].id,
        place_kind=spec.place_kind, area=spec.area, host_name=spec.host, scheduled_start=start,
        expected_minutes=minutes, stream_kind="hls",
        stream_url=recording_url(spec.number), state=spec.state,
        published_at=start - timedelta(days=7), created_at=start - timedelta(days=8),
        created_by_id=ctx.coordinator.id, observer_capacity=8,
        slow_mode_seconds=5 if spec.views > 1_000_000 else 0,
        like_count=spec.likes, view_count=spec.views, peak_viewers=spec.peak)
    if past:
        episode.live_at = start
        episode.ended_at = start + timedelta(minutes=minutes + 7)
        episode.replay_url = recording_url(spec.number)
    if spec.state in ("follow_up", "closed"):
        episode.follow_up_at = episode.ended_at + timedelta(days=1)
    episode.participations = [EpisodeAgency(agency_id=ctx.agencies[slug].id,
                                            role="lead" if i == 0 else "support")
                              for i, slug in enumerate(spec.agencies)]
    db.session.add(episode)
    db.session.flush()
    return episode


def build_notes(ctx: DemoContext, episode: Episode, spec: EpisodeSpec) -> int:
    """The host's illustrated commentary (图文讲解), citing legal bases; returns the count."""
    notes = [LiveNote(episode_id=episode.id, author_id=ctx.coordinator.id, body=body,
                      legal_basis_id=ctx.legal[key].id if key else None, offset_seconds=replay_moment(minute),
                      created_at=episode.live_at + timedelta(seconds=replay_moment(minute)))
             for minute, body, key in spec.notes]
    opening = LiveNote(episode_id=episode.id, author_id=ctx.coordinator.id, offset_seconds=3,
                       body=f"欢迎来到《龙华“执”播》第{spec.number}期：{spec.title}。本期执法单位：" +
                            "、".join(ctx.agencies[s].short_name for s in spec.agencies) + "。",
                       created_at=episode.live_at + timedelta(seconds=3))
    db.session.add_all([opening, *notes])
    return len(notes) + 1


def build_comments(ctx: DemoContext, episode: Episode, spec: EpisodeSpec) -> list[Comment]:
    """Comments and answered questions numbered 1..n in time order; sets last_comment_seq."""
    n = spec.number
    generic = [people.GENERIC_COMMENTS[(n * 3 + k) % len(people.GENERIC_COMMENTS)] for k in range(4)]
    items: list[tuple[str, str, object]] = [("comment", body, None) for body in generic[:2]]
    items += [("comment", body, None) for body in spec.comments]
    items += [("question", q.body, q) for q in spec.questions]
    items += [("comment", body, None) for body in generic[2:]]
    span = LAST_COMMENT - FIRST_COMMENT
    answerer = ctx.staff_or_coordinator(spec.agencies[0])
    comments: list[Comment] = []
    for seq, (kind, body, question) in enumerate(items, start=1):
        # Spread over the recording, a little irregularly, in seq order (seq follows time).
        offset = FIRST_COMMENT + (seq - 1) * span // len(items) + (n * 37 + seq * 53) % (span // len(items) // 3 + 1)
        author = ctx.citizens[(n * 7 + seq * 3) % len(ctx.citizens)]
        comment = Comment(episode_id=episode.id, seq=seq, user_id=author.id, kind=kind, body=body,
                          offset_seconds=offset, created_at=episode.live_at + timedelta(seconds=offset))
        if question is not None:
            comment.answer_body = question.answer
            comment.answered_by_id = answerer.id
            comment.answered_at = comment.created_at + timedelta(minutes=4)
            comment.upvotes = question.upvotes
        comments.append(comment)
    if spec.state == "ended":
        # A spam comment removed by the coordinator shows what moderation looks like.
        offset = LAST_COMMENT + 4
        comments.append(Comment(
            episode_id=episode.id, seq=len(comments) + 1, user_id=ctx.citizens[-1].id, kind="comment",
            body="低价代办健康证、各类资质，加微信详聊", state="hidden", offset_seconds=offset,
            created_at=episode.live_at + timedelta(seconds=offset), moderated_by_id=ctx.coordinator.id,
            moderation_reason="广告引流"))
    db.session.add_all(comments)
    db.session.flush()
    _add_upvotes(ctx, comments)
    episode.last_comment_seq = max(c.seq for c in comments)
    pinned = next((c for c in comments if c.kind == "question"), None)
    episode.pinned_comment_id = pinned.id if pinned else None
    return comments


def _add_upvotes(ctx: DemoContext, comments: list[Comment]) -> None:
    """One QuestionUpvote row per counted upvote, from distinct citizens other than the asker."""
    rows = []
    for comment in comments:
        voters = [c for c in ctx.citizens if c.id != comment.user_id][:comment.upvotes]
        comment.upvotes = len(voters)
        rows += [QuestionUpvote(comment_id=comment.id, user_id=v.id,
                                created_at=comment.created_at + timedelta(seconds=30 + i))
                 for i, v in enumerate(voters)]
    db.session.add_all(rows)
