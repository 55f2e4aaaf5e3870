"""Evidence and follow-up photos: only real images, re-encoded, EXIF stripped, at most 1600 px."""
from __future__ import annotations

import io
import uuid
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
#: Accepted file name extensions and the formats each may hold.
EXTENSIONS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
SUBDIR = "findings"


def uploads_dir() -> Path:
    """instance/uploads/findings, created on demand."""
    path = Path(current_app.instance_path) / "uploads" / SUBDIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def _refuse(message) -> ValidationFailed:
    return ValidationFailed(message, code="photo_invalid")


def _decode(data: bytes, filename: str):
    """Open, check and fully decode an image; refuse anything else."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in EXTENSIONS:
        raise _refuse(_l("Photos must be JPEG, PNG or WebP files (.jpg, .png, .webp)."))
    if not data:
        raise _refuse(_l("The photo is empty."))
    if len(data) > MAX_BYTES:
        raise _refuse(_l("A photo may be at most 5 MB."))
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # over 2× this Pillow raises DecompressionBombError
    try:
        probe = Image.open(io.BytesIO(data))
        probe.verify()  # structure check; the image must be reopened afterwards
        image = Image.open(io.BytesIO(data))
        if image.format != EXTENSIONS[ext]:
            raise _refuse(_l("The file's content does not match its extension."))
        if image.width * image.height > MAX_PIXELS:
            raise _refuse(_l("The photo's dimensions are too large."))
        image.load()
        return ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise _refuse(_l("The photo's dimensions are too large.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(_l("The file is not an image we can read.")) from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def validate_photo(data: bytes, filename: str) -> None:
    """Refuse a file that is not a readable image (nothing is stored)."""
    _decode(data, filename)


def store_photo(data: bytes, filename: str) -> str:
    """Validate, resize and re-encode an upload; returns its path relative to uploads/."""
    image = _decode(data, filename)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    if has_alpha:
        image.convert("RGBA").save(out, "PNG", optimize=True)
        ext = "png"
    else:
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)  # a fresh encode has no EXIF
        ext = "jpg"
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
