"""Cover images: only real images within the limits; stored re-encoded without metadata."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from app.core.errors import ValidationFailed
from app.episodes import covers


def _image(fmt: str, size=(640, 360), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 80, 160)).save(buffer, fmt, **save)
    return buffer.getvalue()


def test_jpeg_with_exif_comes_back_clean_and_bounded(app):
    exif = Image.Exif()
    exif[0x8825] = {2: (22.0, 32.0, 1.0)}  # GPS
    exif[0x010F] = "Camera"
    data = covers.reencode(_image("JPEG", size=(3200, 1800), exif=exif))
    out = Image.open(io.BytesIO(data))
    assert out.format == "JPEG" and out.size == (1600, 900)
    assert not out.getexif() and b"Exif" not in data[:200]


@pytest.mark.parametrize("data", [b"", b"GIF89a not really", _image("GIF"), _image("PNG", size=(100, 100)),
                                  b"\x89PNG\r\n\x1a\n" + b"\x00" * 100])
def test_bad_images_are_refused(app, data):
    with pytest.raises(ValidationFailed) as err:
        covers.reencode(data)
    assert err.value.code == "episode_cover_invalid"


def test_too_large_upload_is_refused(app):
    with pytest.raises(ValidationFailed):
        covers.reencode(b"\xff\xd8" + b"\x00" * (covers.MAX_BYTES + 1))


def test_path_of_refuses_names_outside_the_covers_folder(app):
    assert covers.path_of("../config.py") is None
    assert covers.path_of("covers/../../x") is None
    assert covers.path_of("covers/missing.jpg") is None
