"""Shared upload handling: EXIF (location) never survives, bombs and non-images are refused."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from app.core import images


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {2: (22.0, 39.0, 0.0)}  # GPSInfo: a latitude
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "red").save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_reencoded_images_carry_no_exif():
    data = _jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif()  # the upload has it
    encoded, ext = images.encode(images.open_checked(data, formats={"JPEG"}))
    assert ext == "jpg"
    assert not Image.open(io.BytesIO(encoded)).getexif()


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"not an image", "unreadable"),
    (b"\xff\xd8" + b"0" * (images.MAX_BYTES + 1), "too_large"),
])
def test_bad_uploads_are_refused_with_a_reason(data, reason):
    with pytest.raises(images.ImageProblem) as refused:
        images.open_checked(data, formats={"JPEG", "PNG"})
    assert refused.value.reason == reason


def test_a_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 M pixels in a few kilobytes
    with pytest.raises(images.ImageProblem) as refused:
        images.open_checked(out.getvalue(), formats={"PNG"})
    assert refused.value.reason == "pixels"
