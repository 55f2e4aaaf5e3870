"""Proposal photos: only real images, re-encoded (no EXIF, bounded size), stored under instance/uploads."""
from __future__ import annotations

import uuid
from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.core import images
from app.core.errors import ValidationFailed

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
SUBDIR = "topics"


def uploads_dir() -> Path:
    """instance/uploads/topics, created on demand."""
    return images.uploads_dir(SUBDIR)


def _refuse(message) -> ValidationFailed:
    return ValidationFailed(message, code="photo_invalid")


_MESSAGES = {
    "empty": _l("The photo is empty."),
    "too_large": _l("The photo may be at most 5 MB."),
    "format": _l("The photo must be a JPEG, PNG, WebP or GIF image."),
    "pixels": _l("The photo's dimensions are too large."),
}


def store_photo(data: bytes) -> str:
    """Validate and re-encode an uploaded image; returns its stored path relative to uploads/."""
    try:
        encoded, ext = images.encode(images.open_checked(data, formats=ACCEPTED_FORMATS))
    except images.ImageProblem as problem:
        raise _refuse(_MESSAGES.get(problem.reason, _l("The file is not an image we can read."))) from None
    name = f"{uuid.uuid4().hex}.{ext}"
    (uploads_dir() / name).write_bytes(encoded)
    return f"{SUBDIR}/{name}"


def photo_file(stored: str) -> Path | None:
    """The file of a stored path, if it is one of ours and exists."""
    name = Path(stored).name
    if stored != f"{SUBDIR}/{name}":
        return None
    path = uploads_dir() / name
    return path if path.is_file() else None
