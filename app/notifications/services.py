"""Notify users, follow things, and write the audit log."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from flask import current_app, has_request_context, request
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.accounts.models import User
from app.core.auth import Actor, require_login
from app.core.errors import ValidationFailed
from app.core.realtime import after_commit
from app.extensions import db
from app.notifications.models import SUBSCRIPTION_TARGETS, AuditLog, Notification, Subscription

log = logging.getLogger(__name__)


def _insert_ignoring_duplicates(model, rows: list[dict]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on either engine (dedupe keys make jobs safe to rerun)."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(model).values(rows).on_conflict_do_nothing())


def notify(user_ids: Iterable[int], kind: str, title: str, *, now: datetime, body: str = "",
           link: str | None = None, dedupe_key: str | None = None) -> None:
    """Give each user a site notification (once per dedupe_key), and e-mail it when mail is set up."""
    ids = sorted(set(user_ids))
    rows = [{"user_id": uid, "kind": kind, "title": title[:200], "body": body, "link": link,
             "dedupe_key": dedupe_key, "created_at": now} for uid in ids]
    _insert_ignoring_duplicates(Notification, rows)
    if ids and current_app.config.get("MAIL_SERVER"):
        app = current_app._get_current_object()
        after_commit(lambda: _send_mail(app, ids, title, body, link))


def _send_mail(app, user_ids: list[int], title: str, body: str, link: str | None) -> None:
    """Send one plain-text mail per user with an address (after the commit; failures are logged)."""
    import smtplib
    from email.message import EmailMessage

    with app.app_context():
        addresses = db.session.scalars(select(User.email).where(User.id.in_(user_ids),
                                                                User.email.is_not(None))).all()
        config = app.config
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
                for address in addresses:
                    message = EmailMessage()
                    message["Subject"], message["From"], message["To"] = title, config["MAIL_DEFAULT_SENDER"], address
                    message.set_content(body + (f"\n\n{link}" if link else ""))
                    smtp.send_message(message)
        except OSError:  # mail is best effort; the site notification is the record
            log.exception("could not send notification mail")


def followers(target_kind: str, target_id: int) -> list[int]:
    """User ids following a target."""
    return list(db.session.scalars(select(Subscription.user_id).where(
        Subscription.target_kind == target_kind, Subscription.target_id == target_id)))


def follow(actor: Actor, target_kind: str, target_id: int, *, now: datetime) -> None:
    """Follow a target (idempotent)."""
    require_login(actor)
    if target_kind not in SUBSCRIPTION_TARGETS:
        raise ValidationFailed(code="subscription_target_invalid")
    _insert_ignoring_duplicates(Subscription, [{"user_id": actor.user_id, "target_kind": target_kind,
                                                "target_id": target_id, "created_at": now}])


def unfollow(actor: Actor, target_kind: str, target_id: int) -> None:
    """Stop following a target (idempotent)."""
    require_login(actor)
    db.session.query(Subscription).filter_by(user_id=actor.user_id, target_kind=target_kind,
                                             target_id=target_id).delete()


def audit(actor: Actor, action: str, target_kind: str, target_id: int | None, *, now: datetime,
          reason: str | None = None, data: dict | None = None) -> AuditLog:
    """Record who did what to which object, and why."""
    entry = AuditLog(actor_id=actor.user_id, action=action, target_kind=target_kind, target_id=target_id,
                     reason=reason, data=data, created_at=now,
                     ip=(request.remote_addr if has_request_context() else None))
    db.session.add(entry)
    return entry
