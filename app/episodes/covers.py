"""Cover images: checked and re-encoded with Pillow (no EXIF survives), stored under instance/uploads/."""
from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.errors import ValidationFailed

#: Largest accepted upload, and the pixel limits before and after re-encoding.
MAX_BYTES = 5 * 1024 * 1024
MAX_INPUT_PIXELS = 40_000_000
MAX_SIDE = 1600
MIN_SIDE = 200
FORMATS = ("JPEG", "PNG", "WEBP")
SUBDIR = "covers"


def upload_root() -> Path:
    """instance/uploads (created on demand)."""
    root = Path(current_app.instance_path) / "uploads"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _fail(message) -> ValidationFailed:
    return ValidationFailed(message, code="episode_cover_invalid", details={"fields": {"cover": [str(message)]}})


def reencode(data: bytes) -> bytes:
    """Validate an uploaded image and return it as a fresh JPEG (at most 1600 px wide or high, no metadata)."""
    if not data:
        raise _fail(_l("Choose an image file."))
    if len(data) > MAX_BYTES:
        raise _fail(_l("The image may be at most 5 MB."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise _fail(_l("The cover must be a JPEG, PNG or WebP image."))
            width, height = probe.size
            if width * height > MAX_INPUT_PIXELS:
                raise _fail(_l("The image has too many pixels."))
            if min(width, height) < MIN_SIDE:
                raise _fail(_l("The image must be at least 200 pixels wide and high."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the visible orientation, then drop EXIF
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _fail(_l("The file is not an image we can read.")) from None
    return out.getvalue()


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
