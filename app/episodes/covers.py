"""Cover images: checked and re-encoded with Pillow (no EXIF survives), stored under instance/uploads/."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.core import images
from app.core.errors import ValidationFailed

MAX_BYTES = images.MAX_BYTES
MIN_SIDE = 200
FORMATS = ("JPEG", "PNG", "WEBP")
SUBDIR = "covers"


def upload_root() -> Path:
    """instance/uploads (created on demand)."""
    return images.uploads_dir()


def _fail(message) -> ValidationFailed:
    return ValidationFailed(message, code="episode_cover_invalid", details={"fields": {"cover": [str(message)]}})


_MESSAGES = {
    "empty": _l("Choose an image file."),
    "too_large": _l("The image may be at most 5 MB."),
    "format": _l("The cover must be a JPEG, PNG or WebP image."),
    "pixels": _l("The image has too many pixels."),
    "too_small": _l("The image must be at least 200 pixels wide and high."),
}


def reencode(data: bytes) -> bytes:
    """Validate an uploaded image and return it as a fresh JPEG (at most 1600 px wide or high, no metadata)."""
    try:
        image = images.open_checked(data, formats=FORMATS, min_side=MIN_SIDE)
    except images.ImageProblem as problem:
        raise _fail(_MESSAGES.get(problem.reason, _l("The file is not an image we can read."))) from None
    return images.encode(image, keep_alpha=False)[0]


def store(data: bytes) -> str:
    """Re-encode and write a cover; returns its path relative to the uploads folder."""
    encoded = reencode(data)
    name = f"{SUBDIR}/{secrets.token_hex(16)}.jpg"
    target = upload_root() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(encoded)
    return name


def remove(relative: str | None) -> None:
    """Delete a stored cover file (when replaced); missing files are fine."""
    if relative and relative.startswith(f"{SUBDIR}/") and "/" not in relative[len(SUBDIR) + 1:]:
        (upload_root() / relative).unlink(missing_ok=True)


def path_of(relative: str) -> Path | None:
    """The file of a stored cover, or None if the name is not one of ours."""
    if not relative.startswith(f"{SUBDIR}/") or ".." in relative:
        return None
    target = upload_root() / relative
    return target if target.is_file() else None
