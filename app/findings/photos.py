"""Evidence and follow-up photos: only real images, re-encoded, EXIF stripped, at most 1600 px."""
from __future__ import annotations

import uuid
from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.core import images
from app.core.errors import ValidationFailed

MAX_BYTES = images.MAX_BYTES
#: Accepted file name extensions and the formats each may hold.
EXTENSIONS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
SUBDIR = "findings"


def uploads_dir() -> Path:
    """instance/uploads/findings, created on demand."""
    return images.uploads_dir(SUBDIR)


def _refuse(message) -> ValidationFailed:
    return ValidationFailed(message, code="photo_invalid")


_MESSAGES = {
    "extension": _l("Photos must be JPEG, PNG or WebP files (.jpg, .png, .webp)."),
    "empty": _l("The photo is empty."),
    "too_large": _l("A photo may be at most 5 MB."),
    "format": _l("The file's content does not match its extension."),
    "mismatch": _l("The file's content does not match its extension."),
    "pixels": _l("The photo's dimensions are too large."),
}


def _decode(data: bytes, filename: str):
    """Open, check and fully decode an image; refuse anything else."""
    try:
        return images.open_checked(data, formats=set(EXTENSIONS.values()), filename=filename,
                                   extensions=EXTENSIONS)
    except images.ImageProblem as problem:
        raise _refuse(_MESSAGES.get(problem.reason, _l("The file is not an image we can read."))) from None


def validate_photo(data: bytes, filename: str) -> None:
    """Refuse a file that is not a readable image (nothing is stored)."""
    _decode(data, filename)


def store_photo(data: bytes, filename: str) -> str:
    """Validate, resize and re-encode an upload; returns its path relative to uploads/."""
    encoded, ext = images.encode(_decode(data, filename))
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
