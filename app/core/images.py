"""Uploaded images: only real images, fully decoded, re-encoded so no EXIF (location) survives.

One place for what proposals, covers, evidence photos and live-note images all need;
each caller keeps its own limits on formats, its own error codes and its own folder.
"""
from __future__ import annotations

import io
import uuid
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.errors import ValidationFailed

#: Largest upload accepted, in bytes.
MAX_BYTES = 5 * 1024 * 1024
#: Images with more pixels than this are refused before decoding (decompression bombs).
MAX_PIXELS = 40_000_000
#: Stored images are scaled down to fit this box.
MAX_SIDE = 1600

# Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that; we refuse both.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def uploads_dir(subdir: str = "") -> Path:
    """instance/uploads[/subdir], created on demand: where every uploaded image is stored."""
    from flask import current_app

    path = Path(current_app.instance_path) / "uploads" / subdir
    path.mkdir(parents=True, exist_ok=True)
    return path


class ImageProblem(Exception):
    """Why an upload was refused: empty, too_large, extension, format, mismatch, pixels,
    too_small or unreadable. Callers turn the reason into their own message and code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def open_checked(data: bytes, *, formats: set[str] | tuple[str, ...], filename: str | None = None,
                 extensions: dict[str, str] | None = None, min_side: int = 0) -> Image.Image:
    """Decode an upload fully and return it upright; raise ImageProblem for anything else.

    With `extensions` ({"jpg": "JPEG", …}) the file name's extension must be listed and
    match the content.
    """
    ext = ""
    if extensions is not None:
        ext = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
        if ext not in extensions:
            raise ImageProblem("extension")
    if not data:
        raise ImageProblem("empty")
    if len(data) > MAX_BYTES:
        raise ImageProblem("too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            probe.verify()  # structure check; the image must be reopened afterwards
            image = Image.open(io.BytesIO(data))
            if image.format not in formats:
                raise ImageProblem("format")
            if extensions is not None and image.format != extensions[ext]:
                raise ImageProblem("mismatch")
            if image.width * image.height > MAX_PIXELS:
                raise ImageProblem("pixels")
            if min(image.size) < min_side:
                raise ImageProblem("too_small")
            image.load()
            upright = ImageOps.exif_transpose(image)  # keep the visible orientation; EXIF goes at encode
            upright.format = image.format
            return upright
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem("pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageProblem("unreadable") from None


def encode(image: Image.Image, *, keep_alpha: bool = True, keep_png: bool = False) -> tuple[bytes, str]:
    """Scale into MAX_SIDE and encode afresh (no metadata): PNG with transparency (or, with
    keep_png, for PNG sources such as diagrams whose text JPEG would blur), else JPEG."""
    source = image.format
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    has_alpha = keep_alpha and (image.mode in ("RGBA", "LA", "PA")
                                or (image.mode == "P" and "transparency" in image.info))
    if keep_png and source == "PNG":
        has_alpha = True
    out = io.BytesIO()
    clean = image.convert("RGBA" if has_alpha else "RGB")
    # Pillow writes some of `info` back by default (a JPEG comment, an ICC profile naming the camera).
    clean.info.clear()
    if has_alpha:
        clean.save(out, "PNG", optimize=True)
        return out.getvalue(), "png"
    clean.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), "jpg"


class PhotoStore:
    """One area's photos in instance/uploads/<subdir>: checked, re-encoded, stored under a random name.

    `messages` turns an ImageProblem's reason into the message of the refusal (code `code`); with
    `extensions` the file name's extension must be listed and match the content.
    """

    def __init__(self, subdir: str, *, formats: set[str], messages: dict, fallback, code: str = "photo_invalid",
                 extensions: dict[str, str] | None = None) -> None:
        self.subdir, self.formats, self.extensions = subdir, formats, extensions
        self.messages, self.fallback, self.code = messages, fallback, code

    def folder(self) -> Path:
        """instance/uploads/<subdir>, created on demand."""
        return uploads_dir(self.subdir)

    def decode(self, data: bytes, filename: str | None = None) -> Image.Image:
        """Open, check and fully decode an upload; refuse anything else (nothing is stored)."""
        try:
            if self.extensions is None:
                return open_checked(data, formats=self.formats)
            return open_checked(data, formats=self.formats, filename=filename, extensions=self.extensions)
        except ImageProblem as problem:
            raise ValidationFailed(self.messages.get(problem.reason, self.fallback), code=self.code) from None

    def store(self, data: bytes, filename: str | None = None) -> str:
        """Validate, resize and re-encode an upload; returns its path relative to uploads/."""
        encoded, ext = encode(self.decode(data, filename))
        name = f"{uuid.uuid4().hex}.{ext}"
        (self.folder() / name).write_bytes(encoded)
        return f"{self.subdir}/{name}"

    def file(self, stored: str) -> Path | None:
        """The file of a stored path, if it is one of ours and exists."""
        name = Path(stored).name
        if stored != f"{self.subdir}/{name}":
            return None
        path = self.folder() / name
        return path if path.is_file() else None
