"""Live notes (图文讲解); the articles they cite live in app.library."""
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
from app.core.errors import Conflict, ValidationFailed
from app.extensions import db
from app.live import broadcast
from app.live.access import require_host, visible_episode
from app.legal.citations import citable_basis
from app.live.models import LiveNote
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
    citable_basis(legal_basis_id, now)
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
