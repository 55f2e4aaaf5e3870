"""Import every model so metadata (and Alembic) sees the whole schema."""
from app.accounts.models import ApiToken, LoginAttempt, User  # noqa: F401
from app.agencies.models import Agency, Domain, agency_domains  # noqa: F401
from app.episodes.models import Episode, EpisodeAgency, EpisodeViewer  # noqa: F401
from app.findings.models import (  # noqa: F401
    Finding, FindingConfirmation, FindingPhoto, FollowUp, FollowUpOutcome, FollowUpPhoto,
    FollowUpRevision)
from app.legal.models import (  # noqa: F401
    DiscretionLevel, EnforcementItem, LegalBasis, SearchEntry, Statute, TypicalCase, item_bases)
from app.live.models import (  # noqa: F401
    Comment, EpisodeMute, LiveNote, QuestionUpvote, SensitiveWord)
from app.notifications.models import AuditLog, Heartbeat, Notification, Subscription  # noqa: F401
from app.observers.models import Invitation, Observer, ObserverNote  # noqa: F401
from app.parties.models import ConductComplaint, Inspection, Party, PartyCode, PartyStatement  # noqa: F401
from app.polls.models import OfflineTally, Poll, Topic, Vote  # noqa: F401
from app.stats.models import Bulletin  # noqa: F401
