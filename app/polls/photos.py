"""Proposal photos: only real images, re-encoded (no EXIF, bounded size), stored under instance/uploads."""
from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.core import images

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
SUBDIR = "topics"

_store = images.PhotoStore(SUBDIR, formats=ACCEPTED_FORMATS, messages={
    "empty": _l("The photo is empty."),
    "too_large": _l("The photo may be at most 5 MB."),
    "format": _l("The photo must be a JPEG, PNG, WebP or GIF image."),
    "pixels": _l("The photo's dimensions are too large."),
}, fallback=_l("The file is not an image we can read."))


def uploads_dir() -> Path:
    """instance/uploads/topics, created on demand."""
    return _store.folder()


def store_photo(data: bytes) -> str:
    """Validate and re-encode an uploaded image; returns its stored path relative to uploads/."""
    return _store.store(data)


def photo_file(stored: str) -> Path | None:
    """The file of a stored path, if it is one of ours and exists."""
    return _store.file(stored)
