"""Build findings and the follow-up reports (回头看) that close them."""
from __future__ import annotations

from datetime import datetime, timedelta

from app.demo.build_base import DemoContext
from app.demo.build_episodes import replay_moment
from app.demo.data.specs import EpisodeSpec, FindingSpec
from app.episodes.models import Episode
from app.extensions import db
from app.findings.models import Finding, FollowUp, FollowUpOutcome, FollowUpRevision
from app.notifications.models import AuditLog

#: 23:59 Beijing time is 15:59 UTC: deadlines end with the working day.
DEADLINE_HOUR_UTC = 15
SEVERITY_ZH = {"minor": "一般", "moderate": "较重", "serious": "严重"}
OUTCOME_ZH = {"rectified": "已整改", "partly_rectified": "部分整改", "not_rectified": "未整改"}


def build_findings(ctx: DemoContext, episode: Episode, spec: EpisodeSpec) -> list[Finding]:
    """The episode's findings, open for now; follow-ups settle their states."""
    deadline = (episode.live_at + timedelta(days=spec.rectify_days)).replace(hour=DEADLINE_HOUR_UTC, minute=59)
    findings = []
    for f in spec.findings:
        finding = Finding(
            episode_id=episode.id, party_name=f.party, party_address=f.address, area=spec.area,
            description=f.description, domain_id=ctx.domains[spec.domain].id, legal_basis_id=ctx.legal[f.legal].id,
            severity=f.severity, agency_id=ctx.agencies[f.agency].id, rectify_by=deadline,
            replay_offset_seconds=replay_moment(f.offset_minutes), state="open",
            created_at=episode.live_at + timedelta(seconds=replay_moment(f.offset_minutes)),
            created_by_id=ctx.staff_or_coordinator(f.agency).id)
        if deadline - timedelta(days=3) < ctx.now:
            finding.reminded_3d_at = deadline - timedelta(days=3)
        if deadline - timedelta(days=1) < ctx.now:
            finding.reminded_1d_at = deadline - timedelta(days=1)
        if f.result == "overdue":
            finding.overdue_notified_at = deadline + timedelta(hours=1)
        findings.append(finding)
    db.session.add_all(findings)
    db.session.flush()
    from app.parties.services import link_finding  # each finding's party record and inspection

    for finding in findings:
        link_finding(finding, episode, now=ctx.now)
    return findings


def build_follow_ups(ctx: DemoContext, episode: Episode, spec: EpisodeSpec,
                     findings: list[Finding]) -> list[FollowUp]:
    """One report per agency with findings: published for past deadlines, approved when pending."""
    if spec.state not in ("follow_up", "closed"):
        return []
    by_agency: dict[str, list[tuple[FindingSpec, Finding]]] = {}
    for f, finding in zip(spec.findings, findings):
        by_agency.setdefault(f.agency, []).append((f, finding))
    reports = []
    for slug, pairs in by_agency.items():
        scheduled = all(f.result == "open" for f, _ in pairs)
        reports.append(_report(ctx, episode, slug, pairs, scheduled, close=spec.state == "closed"))
    if spec.state == "closed":
        episode.closed_at = max(f.closed_at for f in findings)
    return reports


def _report(ctx: DemoContext, episode: Episode, slug: str, pairs: list[tuple[FindingSpec, Finding]],
            scheduled: bool, close: bool) -> FollowUp:
    """A follow-up report; approved with a future publish_at when scheduled, else published."""
    staff = ctx.staff_or_coordinator(slug)
    if scheduled:
        submitted = ctx.ago(days=2)
        publish_at = (ctx.now + timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
    else:
        submitted = pairs[0][1].rectify_by - timedelta(days=1, hours=6)
        publish_at = submitted + timedelta(days=1)
    reviewed = submitted + timedelta(hours=20)
    report = FollowUp(
        episode_id=episode.id, agency_id=ctx.agencies[slug].id, reinspected_on=(submitted - timedelta(days=1)).date(),
        state="approved" if scheduled else "published", publish_at=publish_at,
        published_at=None if scheduled else publish_at, submitted_at=submitted, submitted_by_id=staff.id,
        reviewed_at=reviewed, reviewed_by_id=ctx.coordinator.id, created_at=submitted - timedelta(hours=3))
    report.revisions = [FollowUpRevision(number=1, body_md=_body(ctx, episode, slug, pairs, report.reinspected_on),
                                         created_by_id=staff.id, created_at=report.created_at)]
    report.outcomes = [FollowUpOutcome(finding_id=finding.id, outcome=_outcome(f), further_action=_further(f))
                       for f, finding in pairs]
    db.session.add(report)
    db.session.flush()
    if not scheduled:
        for f, finding in pairs:
            _settle(finding, f, publish_at, close)
        db.session.add(AuditLog(actor_id=None, action="follow_up.publish", target_kind="follow_up",
                                target_id=report.id, created_at=publish_at,
                                data={"episode": episode.number, "agency": slug}))
    db.session.add(AuditLog(actor_id=ctx.coordinator.id, action="follow_up.approve", target_kind="follow_up",
                            target_id=report.id, created_at=reviewed, data={"publish_at": publish_at.isoformat()}))
    return report


def _outcome(f: FindingSpec) -> str:
    """The report's outcome for a finding spec."""
    return "not_rectified" if f.result == "overdue" else "rectified"


def _further(f: FindingSpec) -> str:
    """Further action recorded with the outcome; required unless rectified."""
    if f.further_action or _outcome(f) == "rectified":
        return f.further_action
    return "已下达责令限期改正通知书，逾期将依法立案处罚。"


def _settle(finding: Finding, f: FindingSpec, published: datetime, close: bool) -> None:
    """Apply a published outcome: rectified, and closed a week later in closed episodes."""
    if f.result == "overdue":
        return
    finding.state = "rectified"
    finding.rectified_at = published
    if close:
        finding.state = "closed"
        finding.closed_at = published + timedelta(days=7)


def _body(ctx: DemoContext, episode: Episode, slug: str, pairs: list[tuple[FindingSpec, Finding]],
          day) -> str:
    """The report's Markdown text."""
    agency = ctx.agencies[slug]
    lines = [f"## {episode.title}（{agency.short_name}回头看）", "",
             f"{day.year}年{day.month}月{day.day}日，{agency.name_zh}执法人员对本期直播中发现的"
             f"{len(pairs)}项问题进行了现场复查。", ""]
    for i, (f, finding) in enumerate(pairs, start=1):
        legal = ctx.legal[f.legal]
        lines += [f"### 问题{i}：{f.party}",
                  f"- **问题**：{f.description}（{SEVERITY_ZH[f.severity]}）",
                  f"- **依据**：{legal.statute}{legal.article}",
                  f"- **复查结果**：{OUTCOME_ZH[_outcome(f)]}"]
        if f.result == "overdue":
            lines.append("- **说明**：当事人未按期完成整改，已再次下达责令改正通知书。")
        else:
            lines.append("- **说明**：经现场核查，问题已整改到位，执法人员已拍照留存。")
        if f.further_action:
            lines.append(f"- **后续处理**：{f.further_action}")
        lines.append("")
    lines.append("欢迎市民继续监督，如发现问题反弹，可在本页提交“未整改”反馈。")
    return "\n".join(lines)
