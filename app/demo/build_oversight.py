"""Build invitations, observer notes, subscriptions, notifications and audit entries."""
from __future__ import annotations

import secrets
from datetime import timedelta

from app.demo.build_base import DemoContext
from app.demo.data import oversight
from app.episodes.models import Episode
from app.extensions import db
from app.findings.models import Finding, FollowUp
from app.notifications.models import AuditLog, Notification, Subscription
from app.observers.models import Invitation, ObserverNote
from app.polls.models import Poll, Topic

#: Observers invited to the upcoming episode: (observer index, accepted yet?).
UPCOMING_INVITES = ((0, False), (1, True), (4, False), (7, False), (11, False))


def _invited(number: int, count: int) -> set[int]:
    """Observer indexes invited to a past episode: a rotation plus every note author."""
    rotation = {(number * 3 + k) % count for k in range(3)}
    authors = {n[1] for n in oversight.NOTES if n[0] == number}
    return rotation | authors | ({0} if number >= 9 else set())


def build_invitations(ctx: DemoContext, past: list[Episode], upcoming: Episode) -> int:
    """Accepted, checked-in invitations for past episodes; mostly pending ones for the next."""
    rows = []
    for episode in past:
        for index in sorted(_invited(episode.number, len(ctx.observers))):
            rows.append(Invitation(
                episode_id=episode.id, observer_id=ctx.observers[index].id, token=secrets.token_urlsafe(24),
                state="accepted", expires_at=episode.scheduled_start,
                created_at=episode.scheduled_start - timedelta(days=7),
                responded_at=episode.scheduled_start - timedelta(days=5, hours=index),
                checked_in_at=episode.scheduled_start - timedelta(minutes=20 - index),
                checked_in_by_id=ctx.coordinator.id))
    for index, accepted in UPCOMING_INVITES:
        rows.append(Invitation(
            episode_id=upcoming.id, observer_id=ctx.observers[index].id, token=secrets.token_urlsafe(24),
            state="accepted" if accepted else "pending", expires_at=upcoming.scheduled_start,
            created_at=ctx.ago(days=3), responded_at=ctx.ago(days=2) if accepted else None))
    db.session.add_all(rows)
    return len(rows)


def build_observer_notes(ctx: DemoContext, episodes: dict[int, Episode]) -> list[ObserverNote]:
    """Supervision opinions, answered by the agency except the most recent ones."""
    notes = []
    for number, index, slug, aspect, visibility, body, answer in oversight.NOTES:
        episode = episodes[number]
        written = episode.ended_at + timedelta(hours=2)
        note = ObserverNote(episode_id=episode.id, observer_id=ctx.observers[index].id,
                            agency_id=ctx.agencies[slug].id, aspect=aspect, body=body, visibility=visibility,
                            created_at=written)
        if answer:
            note.answer_due = written + timedelta(days=10)
            note.answer_body = answer
            note.answered_at = written + timedelta(days=6)
            note.answered_by_id = ctx.staff_or_coordinator(slug).id
        else:
            note.answer_due = max(written + timedelta(days=10), ctx.now + timedelta(days=3))
        notes.append(note)
    db.session.add_all(notes)
    return notes


def build_follows(ctx: DemoContext, upcoming: Episode, open_poll: Poll, decided: Poll,
                  findings: list[Finding], reports: list[FollowUp]) -> None:
    """Subscriptions and notifications of the demo citizen, observer and staff; audit entries."""
    me = ctx.citizens[0]
    overdue = next(f for f in findings if f.overdue_notified_at is not None)
    report = next(r for r in reports if r.agency_id == overdue.agency_id and r.state == "published")
    follows = [("episode", upcoming.id), ("poll", open_poll.id), ("finding", overdue.id),
               ("agency", ctx.agencies["scjg"].id)]
    rows: list = [Subscription(user_id=me.id, target_kind=kind, target_id=target, created_at=ctx.ago(days=3))
                  for kind, target in follows]
    rows += [Subscription(user_id=c.id, target_kind="episode", target_id=upcoming.id,
                          created_at=ctx.ago(days=3, hours=i)) for i, c in enumerate(ctx.citizens[1:16])]
    rows += [Subscription(user_id=c.id, target_kind="poll", target_id=open_poll.id,
                          created_at=ctx.ago(days=4, hours=i)) for i, c in enumerate(ctx.citizens[5:12])]
    day = upcoming.scheduled_start + timedelta(hours=8)
    winner = db.session.get(Topic, decided.decided_topic_id)
    rows += [
        Notification(user_id=me.id, kind="poll_decided",
                     title=f"您参与的民意征集已确定主题：{winner.title}",
                     body=f"{upcoming.title} 将于{day.month}月{day.day}日上午9:30直播。",
                     link=f"/polls/{decided.id}", dedupe_key=f"poll_decided:{decided.id}",
                     created_at=decided.decided_at, read_at=decided.decided_at + timedelta(hours=5)),
        Notification(user_id=me.id, kind="episode_published", title=f"直播预告：{upcoming.title}",
                     body="点击“提醒我”，开播前会通知您。", link=f"/episodes/{upcoming.id}",
                     dedupe_key=f"episode_published:{upcoming.id}", created_at=upcoming.published_at),
        Notification(user_id=me.id, kind="follow_up_published", title="您关注的问题有了回头看报告",
                     body=f"{overdue.party_name}：复查结果为未整改，执法单位已再次责令改正。",
                     link=f"/findings/{overdue.id}", dedupe_key=f"follow_up_published:{report.id}",
                     created_at=report.published_at),
        Notification(user_id=me.id, kind="finding_overdue", title="您关注的问题已逾期未整改",
                     body=f"{overdue.party_name}：整改期限已过，平台已提醒执法单位。",
                     link=f"/findings/{overdue.id}", dedupe_key=f"finding_overdue:{overdue.id}",
                     created_at=overdue.overdue_notified_at),
        Notification(user_id=ctx.users["observer"].id, kind="invitation",
                     title=f"邀请您担任观察员：{upcoming.title}",
                     body="请在邀请链接中确认是否参加。", link=f"/episodes/{upcoming.id}",
                     dedupe_key=f"invitation:{upcoming.id}", created_at=ctx.ago(days=3)),
        Notification(user_id=ctx.users["scjg"].id, kind="observer_note",
                     title="有一条监督意见待您答复",
                     body="观察员对第11期提出了监督意见，请在期限内答复。", link="/observer-notes",
                     dedupe_key="observer_note:11", created_at=ctx.ago(days=20)),
        AuditLog(actor_id=ctx.coordinator.id, action="episode.publish", target_kind="episode",
                 target_id=upcoming.id, created_at=upcoming.published_at, data={"number": upcoming.number}),
        AuditLog(actor_id=ctx.coordinator.id, action="poll.open", target_kind="poll", target_id=open_poll.id,
                 created_at=open_poll.opened_at, data={"votes_per_person": open_poll.votes_per_person}),
        AuditLog(actor_id=ctx.coordinator.id, action="invitation.send", target_kind="episode",
                 target_id=upcoming.id, created_at=ctx.ago(days=3), data={"observers": len(UPCOMING_INVITES)}),
    ]
    db.session.add_all(rows)


def audit_hidden_comments(ctx: DemoContext, episode: Episode, comments: list) -> None:
    """Audit entries for the comments a moderator hid."""
    for comment in comments:
        if comment.state == "hidden":
            db.session.add(AuditLog(actor_id=ctx.coordinator.id, action="comment.hide", target_kind="comment",
                                    target_id=comment.id, reason=comment.moderation_reason,
                                    created_at=comment.created_at + timedelta(seconds=40),
                                    data={"episode": episode.number, "body": comment.body}))
