"""Plain records describing the demo program (no database access)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FindingSpec:
    """A problem found on camera, with the statute it breaks."""

    party: str
    address: str
    description: str
    legal: str
    severity: str
    agency: str
    #: Minute of the live it was shown at (build_episodes.replay_moment places it in the recording).
    offset_minutes: int
    #: Follow-up result: rectified, open (not yet due), overdue (due, still open).
    result: str = "rectified"
    further_action: str = ""


@dataclass(frozen=True)
class QuestionSpec:
    """A viewer's question and the answer given live."""

    body: str
    answer: str
    upvotes: int = 0


@dataclass(frozen=True)
class EpisodeSpec:
    """One episode with what happened in it."""

    number: int
    title: str
    domain: str
    place_kind: str
    area: str
    host: str
    agencies: tuple[str, ...]
    summary: str
    days_ago: int
    views: int = 0
    likes: int = 0
    peak: int = 0
    state: str = "closed"
    rectify_days: int = 15
    #: (minute of the live, body, legal basis key); placed in the recording by replay_moment.
    notes: tuple[tuple[int, str, str | None], ...] = ()
    comments: tuple[str, ...] = ()
    questions: tuple[QuestionSpec, ...] = ()
    findings: tuple[FindingSpec, ...] = field(default_factory=tuple)
