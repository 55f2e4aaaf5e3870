"""Uploads are real images, re-encoded without EXIF and resized; report text is sanitized."""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from flask import current_app

from app.core.errors import ValidationFailed
from app.findings import photos
from app.findings.markdown import render
from tests.findings.helpers import png


def _bomb() -> bytes:
    """A tiny PNG whose header claims 100000 × 100000 pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


def test_a_photo_is_resized_and_its_exif_stripped(app):
    from PIL import Image

    stored = photos.store_photo(png(3200, 800, exif=True), "evidence.JPG")

    path = photos.photo_file(stored)
    image = Image.open(path)
    assert image.size == (1600, 400)
    assert image.format == "JPEG"
    assert not image.getexif()
    assert b"SecretCam" not in path.read_bytes()


@pytest.mark.parametrize("data, name, words", [
    (b"hello", "a.jpg", "not an image"),
    (b"", "a.png", "empty"),
    (png(), "a.gif", "JPEG, PNG or WebP"),
    (png(), "a.exe", "JPEG, PNG or WebP"),
    (png(), "a.jpg", "does not match"),            # PNG content named .jpg
    (png()[:40], "a.png", "not an image"),          # truncated
    (_bomb(), "bomb.png", "too large"),
])
def test_bad_uploads_are_refused_and_nothing_is_written(app, data, name, words):
    before = set(photos.uploads_dir().iterdir())

    with pytest.raises(ValidationFailed) as error:
        photos.store_photo(data, name)

    assert error.value.code == "photo_invalid"
    assert words in str(error.value.message)
    assert set(photos.uploads_dir().iterdir()) == before


def test_oversized_uploads_are_refused(app):
    with pytest.raises(ValidationFailed) as error:
        photos.store_photo(b"\xff\xd8" + b"0" * (photos.MAX_BYTES + 1), "big.jpg")
    assert "5 MB" in str(error.value.message)


def test_photo_file_refuses_paths_outside_the_folder(app):
    assert photos.photo_file("../../etc/passwd") is None
    assert photos.photo_file("findings/../x.png") is None


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=//evil></iframe>",
    "<svg onload=alert(1)>",
    "<p style=\"background:url(x)\">x</p>",
    "[x](JaVaScRiPt:alert(1))",
])
def test_xss_payloads_are_neutralized(payload):
    tags = _parse(str(render(payload)))

    assert {t for t, _ in tags} <= {"p", "a"}
    for _tag, attrs in tags:
        for name, value in attrs:
            assert not name.startswith("on") and name != "style"
            assert not (value or "").strip().lower().startswith("javascript")


def _parse(html: str) -> list[tuple[str, list]]:
    """The real elements of rendered HTML (escaped text is not an element)."""
    from html.parser import HTMLParser

    found: list[tuple[str, list]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def test_markdown_is_rendered():
    html = str(render("## 复查结果\n\n- **已整改**\n- [公告](https://example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |"))

    assert "<h2>复查结果</h2>" in html
    assert "<strong>已整改</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="nofollow noopener noreferrer"' in html
    assert "<table>" in html
