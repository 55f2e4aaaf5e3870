"""Evidence and follow-up photos: only real images, re-encoded, EXIF stripped, at most 1600 px."""
from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.core import images

MAX_BYTES = images.MAX_BYTES
#: Accepted file name extensions and the formats each may hold.
EXTENSIONS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
SUBDIR = "findings"

_store = images.PhotoStore(SUBDIR, formats=set(EXTENSIONS.values()), extensions=EXTENSIONS, messages={
    "extension": _l("Photos must be JPEG, PNG or WebP files (.jpg, .png, .webp)."),
    "empty": _l("The photo is empty."),
    "too_large": _l("A photo may be at most 5 MB."),
    "format": _l("The file's content does not match its extension."),
    "mismatch": _l("The file's content does not match its extension."),
    "pixels": _l("The photo's dimensions are too large."),
}, fallback=_l("The file is not an image we can read."))


def uploads_dir() -> Path:
    """instance/uploads/findings, created on demand."""
    return _store.folder()


def validate_photo(data: bytes, filename: str) -> None:
    """Refuse a file that is not a readable image (nothing is stored)."""
    _store.decode(data, filename)


def store_photo(data: bytes, filename: str) -> str:
    """Validate, resize and re-encode an upload; returns its path relative to uploads/."""
    return _store.store(data, filename)


def photo_file(stored: str) -> Path | None:
    """The file of a stored path, if it is one of ours and exists."""
    return _store.file(stored)
