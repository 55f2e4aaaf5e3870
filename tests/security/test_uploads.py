"""Every upload path refuses what is not a bounded real image and never publishes a location.

The paths: poll proposal photos, episode covers, finding and follow-up photos (one store), live-note
images. tests/test_images.py covers the shared decoder; tests/polls/test_pages.py the proposal form;
here every path gets the same list of bad files, and a photo carrying GPS coordinates and text
metadata comes back without them. The live-note form is also driven end to end (its own tests only
try a non-image).
"""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from app.core import images
from app.core.errors import ValidationFailed
from app.episodes import covers
from app.extensions import db
from app.findings import photos as finding_photos
from app.live import notes
from app.live.models import LiveNote
from app.polls import photos as poll_photos
from tests import factories
from tests.conftest import csrf_token
from tests.security.helpers import snapshot

SECRET = b"SecretCam-GPS-22.5N"


def gps_jpeg(size=(640, 480)) -> bytes:
    """A JPEG with GPS coordinates, a camera name and a comment."""
    exif = Image.Exif()
    exif[0x010F] = SECRET.decode()                     # Make
    exif[0x8825] = {1: "N", 2: (22.0, 33.0, 1.0), 3: "E", 4: (114.0, 3.0, 2.0)}  # GPSInfo
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes(), comment=SECRET)
    return out.getvalue()


def png_with_text(size=(640, 480)) -> bytes:
    """A PNG with text chunks and an eXIf chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET.decode())
    info.add_itxt("GPS", "22.5N 114.0E")
    exif = Image.Exif()
    exif[0x010F] = SECRET.decode()
    out = io.BytesIO()
    Image.new("RGB", size, (30, 200, 30)).save(out, "PNG", pnginfo=info, exif=exif.tobytes())
    return out.getvalue()


def header_bomb() -> bytes:
    """A tiny PNG whose header claims 100000 × 100000 pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


_BOMB: list[bytes] = []


def real_bomb() -> bytes:
    """A real, decodable PNG of 100 megapixels in a few kilobytes (made once)."""
    if not _BOMB:
        out = io.BytesIO()
        Image.new("1", (10_000, 10_000)).save(out, "PNG")
        _BOMB.append(out.getvalue())
    return _BOMB[0]


def _folder_of(relative: str) -> Path:
    from flask import current_app

    return Path(current_app.instance_path) / "uploads" / relative


def _covers_dir() -> Path:
    path = covers.upload_root() / covers.SUBDIR
    path.mkdir(parents=True, exist_ok=True)
    return path


#: path → (store(data, filename) → stored file, folder, refusal code)
PATHS = {
    "poll proposal photo": (lambda d, n: _folder_of(poll_photos.store_photo(d)), poll_photos.uploads_dir,
                            "photo_invalid"),
    "episode cover": (lambda d, n: _folder_of(covers.store(d)), _covers_dir,
                      "episode_cover_invalid"),
    "finding / follow-up photo": (lambda d, n: _folder_of(finding_photos.store_photo(d, n)),
                                  finding_photos.uploads_dir, "photo_invalid"),
    "live-note image": (lambda d, n: notes.image_dir() / notes.save_note_image(d), notes.image_dir,
                        {"note_image_invalid", "note_image_too_large"}),
}

BAD_FILES = [
    ("empty", lambda: b"", "a.jpg"),
    ("text", lambda: b"just some text, not an image", "a.jpg"),
    ("html", lambda: b"<html><script>alert(1)</script></html>", "a.png"),
    ("svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "a.png"),
    ("pdf", lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "a.jpg"),
    ("zip", lambda: b"PK\x03\x04" + b"\x00" * 100, "a.png"),
    ("truncated png", lambda: png_with_text()[:60], "a.png"),
    ("truncated jpeg", lambda: gps_jpeg()[:300], "a.jpg"),
    ("oversized", lambda: b"\xff\xd8\xff\xe0" + b"\x00" * (images.MAX_BYTES + 1), "a.jpg"),
    ("header bomb", header_bomb, "a.png"),
    ("decompression bomb", real_bomb, "a.png"),
]


def _codes(code) -> set[str]:
    return code if isinstance(code, set) else {code}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_every_bad_file_is_refused_on_every_path_and_nothing_is_written(app, path):
    store, folder, code = PATHS[path]
    before = set(folder().iterdir())
    wrong = []

    for label, data, name in BAD_FILES:
        try:
            store(data(), name)
        except ValidationFailed as refused:
            if refused.code not in _codes(code):
                wrong.append(f"{label}: code {refused.code}")
        else:
            wrong.append(f"{label}: stored")

    assert wrong == []
    assert set(folder().iterdir()) == before


@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("make, name", [(gps_jpeg, "photo.jpg"), (png_with_text, "photo.png")], ids=["jpeg", "png"])
def test_published_photos_carry_no_location_nor_metadata(app, path, make, name):
    store, _folder, _code = PATHS[path]

    stored = store(make(), name)

    data = stored.read_bytes()
    image = Image.open(io.BytesIO(data))
    assert not image.getexif(), "EXIF survived"
    assert SECRET not in data and b"GPS" not in data and b"22.5N" not in data
    assert not {k for k in image.info if k.lower() in ("exif", "comment", "gps", "xmp", "icc_profile")}
    assert stored.suffix.lstrip(".") in ("jpg", "png") and image.format == {"jpg": "JPEG", "png": "PNG"}[
        stored.suffix.lstrip(".")], "the stored name says what the content is"


def test_finding_photos_refuse_a_wrong_or_missing_extension(app):
    folder = finding_photos.uploads_dir()
    before = set(folder.iterdir())

    for name in ("photo.html", "photo.svg", "photo.php", "photo.jpg.exe", "photo", ".png", "photo.gif"):
        with pytest.raises(ValidationFailed) as refused:
            finding_photos.store_photo(gps_jpeg(), name)
        assert refused.value.code == "photo_invalid", name
    with pytest.raises(ValidationFailed):
        finding_photos.store_photo(png_with_text(), "photo.jpg")  # PNG content named .jpg

    assert set(folder.iterdir()) == before


# ---------------------------------------------------------------- the live-note form, end to end


@pytest.fixture
def console(app, users, login_as):
    ep = factories.episode("live")
    db.session.commit()
    host = login_as("coordinator")
    return {"client": host, "url": f"/episodes/{ep.id}/console/notes",
            "token": csrf_token(host, f"/episodes/{ep.id}/console")}


def post_note(console, data: bytes, filename: str):
    return console["client"].post(console["url"], data={"body": "冷藏温度应在 0–8℃", "csrf_token": console["token"],
                                                        "image": (io.BytesIO(data), filename)},
                                  content_type="multipart/form-data")


def test_a_live_note_image_is_published_without_its_location(app, console):
    response = post_note(console, gps_jpeg(), "现场.jpg")

    assert response.status_code == 302
    note = db.session.query(LiveNote).one()
    served = console["client"].get(f"/live/note-images/{note.image_path}")
    anonymous = app.test_client().get(f"/live/note-images/{note.image_path}")
    assert served.status_code == 200 and anonymous.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert SECRET not in served.data and not Image.open(io.BytesIO(served.data)).getexif()
    assert served.headers.get("X-Content-Type-Options") == "nosniff"


def test_a_live_note_image_named_like_a_page_is_stored_and_served_as_an_image(app, console):
    response = post_note(console, png_with_text(), "evil.html")

    assert response.status_code == 302
    note = db.session.query(LiveNote).one()
    assert note.image_path.endswith(".png")
    served = app.test_client().get(f"/live/note-images/{note.image_path}")
    assert served.mimetype == "image/png"


@pytest.mark.parametrize("label", ["html", "svg", "oversized", "decompression bomb", "truncated jpeg"])
def test_a_bad_live_note_image_is_refused_on_the_form_and_nothing_is_stored(app, console, label):
    data, name = next((d, n) for lab, d, n in BAD_FILES if lab == label)
    before = snapshot()
    files = set(notes.image_dir().iterdir())

    response = post_note(console, data(), name)

    assert response.status_code in (413, 422)
    assert snapshot() == before
    assert set(notes.image_dir().iterdir()) == files
