"""Build the catalogue (domains, agencies, legal bases), the accounts and the observers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.accounts import services as accounts
from app.accounts.models import User
from app.agencies.models import Agency, Domain
from app.demo.data import catalogue, people
from app.extensions import db
from app.legal.models import LegalBasis, Statute
from app.observers.models import Observer


@dataclass
class DemoContext:
    """Everything later builders need to refer to, keyed by the demo data's names."""

    now: datetime
    password: str
    domains: dict[str, Domain] = field(default_factory=dict)
    agencies: dict[str, Agency] = field(default_factory=dict)
    legal: dict[str, LegalBasis] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    staff_by_agency: dict[str, User] = field(default_factory=dict)
    citizens: list[User] = field(default_factory=list)
    observers: list[Observer] = field(default_factory=list)

    @property
    def coordinator(self) -> User:
        """The coordinator's demo account (区司法局)."""
        return self.users["sfj"]

    def staff_or_coordinator(self, slug: str) -> User:
        """The agency's demo staff account, or the coordinator when it has none."""
        return self.staff_by_agency.get(slug, self.coordinator)

    def ago(self, days: float = 0, hours: float = 0) -> datetime:
        """A moment before now (negative values are in the future)."""
        return self.now - timedelta(days=days, hours=hours)


def build_catalogue(ctx: DemoContext, statutes: dict[str, Statute]) -> None:
    """Domains, agencies with their domains, and the legal-basis catalogue."""
    created = ctx.ago(days=300)
    for code, name_zh, name_en in catalogue.DOMAINS:
        ctx.domains[code] = Domain(code=code, name_zh=name_zh, name_en=name_en)
    db.session.add_all(ctx.domains.values())
    for slug, name_zh, name_en, short, description, codes in catalogue.AGENCIES:
        ctx.agencies[slug] = Agency(slug=slug, name_zh=name_zh, name_en=name_en, short_name=short,
                                    description=description, created_at=created,
                                    domains=[ctx.domains[c] for c in codes])
    db.session.add_all(ctx.agencies.values())
    for key, (statute, article, excerpt) in catalogue.LEGAL_BASES.items():
        ctx.legal[key] = LegalBasis(statute=statutes[statute], article=article, excerpt=excerpt, created_at=created)
    db.session.add_all(ctx.legal.values())
    db.session.flush()


def build_accounts(ctx: DemoContext) -> list[tuple[str, str]]:
    """Every demo account; returns the (username, role) demo logins."""
    logins: list[tuple[str, str]] = []
    created = ctx.ago(days=290)
    for username, shown, role in people.OFFICE_USERS:
        ctx.users[username] = accounts.register(username, shown, ctx.password, None, now=created, role=role)
        logins.append((username, role))
    for username, shown, slug in people.STAFF_USERS:
        user = accounts.register(username, shown, ctx.password, None, now=created, role="agency_staff",
                                 agency_id=ctx.agencies[slug].id)
        ctx.users[username] = ctx.staff_by_agency[slug] = user
        logins.append((username, "agency_staff"))
    username, shown = people.OBSERVER_USER
    ctx.users[username] = accounts.register(username, shown, ctx.password, None, now=created, role="observer")
    logins.append((username, "observer"))
    _build_citizens(ctx)
    logins.append((ctx.citizens[0].username, "public"))
    return logins


def _build_citizens(ctx: DemoContext) -> None:
    """citizen01 … citizenNN. Only citizen01 goes through register(); the others reuse its hash.

    The configured method (scrypt outside the tests) costs ~0.1 s per hash, so hashing the
    same public demo password 40 times would dominate the load time for no security gain.
    """
    names = people.CITIZEN_NAMES
    first = accounts.register("citizen01", names[0], ctx.password, None, now=ctx.ago(days=280))
    ctx.citizens.append(first)
    for i in range(1, people.CITIZEN_COUNT):
        username = accounts.normalize_username(f"citizen{i + 1:02d}")
        shown = accounts.check_display_name(names[i % len(names)] + ("" if i < len(names) else str(i + 1)))
        ctx.citizens.append(User(username=username, display_name=shown, password_hash=first.password_hash,
                                 role="public", created_at=ctx.ago(days=270 - i * 5)))
    db.session.add_all(ctx.citizens[1:])
    db.session.flush()


def build_observers(ctx: DemoContext) -> None:
    """The observer registry; the first observer is bound to the observer demo login."""
    term_start = date(ctx.now.year - 3, 1, 1)
    term_end = date(ctx.now.year + 2, 12, 31)
    for i, (name, kind, organisation, contact) in enumerate(people.OBSERVERS):
        elected = kind in ("deputy", "cppcc", "supervisor")
        ctx.observers.append(Observer(
            user_id=ctx.users[people.OBSERVER_USER[0]].id if i == 0 else None, name=name, kind=kind,
            organisation=organisation, contact=contact, listed=(kind != "citizen" or i % 2 == 0),
            term_start=term_start if elected else None, term_end=term_end if elected else None,
            created_at=ctx.ago(days=260 - i)))
    db.session.add_all(ctx.observers)
    db.session.flush()
