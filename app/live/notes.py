"""Live notes (图文讲解) and the legal-basis catalogue (以案释法)."""
from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import images
from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.live import broadcast
from app.live.access import require_host, require_moderator, visible_episode
from app.live.models import LegalBasis, LiveNote
from app.notifications.services import audit

NOTE_MAX_LENGTH = 2000
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


def image_dir() -> Path:
    """Where note images are stored (instance/live_notes)."""
    path = Path(current_app.instance_path) / "live_notes"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_note_image(data: bytes) -> str:
    """Validate an uploaded image, re-encode it without metadata and store it; returns its file name."""
    try:
        encoded, ext = images.encode(images.open_checked(data, formats=IMAGE_FORMATS), keep_png=True)
    except images.ImageProblem as problem:
        if problem.reason == "too_large":
            raise ValidationFailed(_l("The image is larger than 5 MB."), code="note_image_too_large") from None
        if problem.reason == "empty":
            raise ValidationFailed(_l("The image is empty."), code="note_image_invalid") from None
        raise ValidationFailed(_l("The file is not a JPEG, PNG, WebP or GIF image."),
                               code="note_image_invalid") from None
    name = f"{secrets.token_hex(12)}.{ext}"
    (image_dir() / name).write_bytes(encoded)
    return name


def post_note(actor: Actor, episode_id: int, body: object, *, now: datetime, image_path: str | None = None,
              legal_basis_id: int | None = None) -> LiveNote:
    """Post a live note (host/coordinator) while the episode is live."""
    require_login(actor)
    episode = visible_episode(actor, episode_id)
    require_host(actor, episode)
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationFailed(_l("The note is empty."), code="note_empty")
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationFailed(_l("The note is longer than %(n)s characters.", n=NOTE_MAX_LENGTH), code="note_too_long")
    if episode.state != "live":
        raise Conflict(_l("Notes can be posted only while the episode is live."), code="episode_not_live")
    if legal_basis_id is not None and db.session.get(LegalBasis, legal_basis_id) is None:
        raise ValidationFailed(_l("No such legal basis."), code="legal_basis_not_found")
    note = LiveNote(episode_id=episode.id, author_id=actor.user_id, body=text, image_path=image_path,
                    legal_basis_id=legal_basis_id, created_at=now,
                    offset_seconds=max(0, int((now - episode.live_at).total_seconds())) if episode.live_at else None)
    db.session.add(note)
    db.session.flush()
    audit(actor, "live.note", "live_note", note.id, now=now)
    broadcast.queue_item(episode.id, broadcast.note_item(note))
    return note


def notes(episode_id: int) -> list[LiveNote]:
    """An episode's notes in time order."""
    return list(db.session.scalars(select(LiveNote).where(LiveNote.episode_id == episode_id)
                                   .options(selectinload(LiveNote.legal_basis), selectinload(LiveNote.author))
                                   .order_by(LiveNote.created_at, LiveNote.id)))


def legal_bases() -> list[LegalBasis]:
    """The catalogue, by statute and article."""
    return list(db.session.scalars(select(LegalBasis).order_by(LegalBasis.statute, LegalBasis.article)))


def _basis_fields(statute: str, article: str, excerpt: str) -> tuple[str, str, str]:
    statute, article, excerpt = (statute or "").strip(), (article or "").strip(), (excerpt or "").strip()
    if not 1 <= len(statute) <= 120 or not 1 <= len(article) <= 40 or len(excerpt) > 4000:
        raise ValidationFailed(_l("A legal basis needs a statute (up to 120 characters) and an article (up to 40)."),
                               code="legal_basis_invalid")
    return statute, article, excerpt


def _unique(statute: str, article: str, own_id: int | None = None) -> None:
    other = db.session.scalar(select(LegalBasis.id).where(LegalBasis.statute == statute, LegalBasis.article == article))
    if other is not None and other != own_id:
        raise Conflict(_l("This statute and article are already in the catalogue."), code="legal_basis_exists")


def create_basis(actor: Actor, *, statute: str, article: str, excerpt: str = "", now: datetime) -> LegalBasis:
    """Add a statute and article to the catalogue (coordinator)."""
    require_moderator(actor)
    statute, article, excerpt = _basis_fields(statute, article, excerpt)
    _unique(statute, article)
    basis = LegalBasis(statute=statute, article=article, excerpt=excerpt, created_at=now)
    db.session.add(basis)
    db.session.flush()
    audit(actor, "legal_basis.create", "legal_basis", basis.id, now=now)
    return basis


def get_basis(basis_id: int) -> LegalBasis:
    """One catalogue entry, or legal_basis_not_found."""
    basis = db.session.get(LegalBasis, basis_id)
    if basis is None:
        raise NotFound(_l("No such legal basis."), code="legal_basis_not_found")
    return basis


def update_basis(actor: Actor, basis_id: int, *, statute: str, article: str, excerpt: str = "",
                 now: datetime) -> LegalBasis:
    """Correct a catalogue entry (coordinator)."""
    require_moderator(actor)
    basis = get_basis(basis_id)
    statute, article, excerpt = _basis_fields(statute, article, excerpt)
    _unique(statute, article, basis.id)
    before = {"statute": basis.statute, "article": basis.article}
    basis.statute, basis.article, basis.excerpt = statute, article, excerpt
    db.session.flush()
    audit(actor, "legal_basis.update", "legal_basis", basis.id, now=now, data={"before": before})
    return basis


def delete_basis(actor: Actor, basis_id: int, *, now: datetime) -> None:
    """Remove an entry no note cites (coordinator)."""
    require_moderator(actor)
    basis = get_basis(basis_id)
    if db.session.scalar(select(LiveNote.id).where(LiveNote.legal_basis_id == basis.id).limit(1)) is not None:
        raise Conflict(_l("Notes cite this legal basis; it cannot be removed."), code="legal_basis_in_use")
    audit(actor, "legal_basis.delete", "legal_basis", basis.id, now=now,
          data={"statute": basis.statute, "article": basis.article})
    db.session.delete(basis)
    db.session.flush()
