"""The demo's recordings: short HLS files in static/demo/recordings/, served by the site itself.

Made once by scripts/make_demo_recordings.py (ffmpeg) and committed, so the demo plays offline.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app

#: Length of every demo recording; demo comments, notes and findings fall inside it.
RECORDING_SECONDS = 180
RECORDINGS_DIR = Path(__file__).resolve().parent.parent.parent / "static" / "demo" / "recordings"


def recording_url(number: int) -> str:
    """The site path of episode `number`'s recording (HLS playlist), e.g. /static/demo/recordings/12.m3u8."""
    return f"{current_app.static_url_path}/demo/recordings/{number}.m3u8"
