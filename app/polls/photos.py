"""Proposal photos: only real images, re-encoded (no EXIF, bounded size), stored under instance/uploads."""
from __future__ import annotations

import io
import uuid
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core.errors import ValidationFailed

#: Largest upload accepted, in bytes.
MAX_BYTES = 5 * 1024 * 1024
#: Images with more pixels than this are refused before decoding (decompression bombs).
MAX_PIXELS = 40_000_000
#: Stored images are scaled down to fit this box.
MAX_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
SUBDIR = "topics"


def uploads_dir() -> Path:
    """instance/uploads/topics, created on demand."""
    path = Path(current_app.instance_path) / "uploads" / SUBDIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def _refuse(message) -> ValidationFailed:
    return ValidationFailed(message, code="photo_invalid")


def store_photo(data: bytes) -> str:
    """Validate and re-encode an uploaded image; returns its stored path relative to uploads/."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise _refuse(_l("The photo is empty."))
    if len(data) > MAX_BYTES:
        raise _refuse(_l("The photo may be at most 5 MB."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise _refuse(_l("The photo must be a JPEG, PNG, WebP or GIF image."))
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(_l("The photo's dimensions are too large."))
            image.load()
            image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, SyntaxError, ValueError) as error:
        if isinstance(error, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
            raise _refuse(_l("The photo's dimensions are too large.")) from None
        raise _refuse(_l("The file is not an image we can read.")) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    if has_alpha:
        clean, ext = image.convert("RGBA"), "png"
        clean.save(out, "PNG", optimize=True)
    else:
        clean, ext = image.convert("RGB"), "jpg"
        clean.save(out, "JPEG", quality=85, optimize=True)  # a fresh encode carries no EXIF
    name = f"{uuid.uuid4().hex}.{ext}"
    (uploads_dir() / name).write_bytes(out.getvalue())
    return f"{SUBDIR}/{name}"


def photo_file(stored: str) -> Path | None:
    """The file of a stored path, if it is one of ours and exists."""
    name = Path(stored).name
    if stored != f"{SUBDIR}/{name}":
        return None
    path = uploads_dir() / name
    return path if path.is_file() else None
