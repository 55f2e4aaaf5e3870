"""Generate the demo's recordings: one short HLS recording per demo episode, served from static/.

A one-off generator (the output is committed under static/demo/recordings/, so `make run` needs
no ffmpeg). Needs Debian's ffmpeg (`apt-get install ffmpeg`, built with libx264 and libfreetype)
and the Noto Sans CJK font (`fonts-noto-cjk`). Run from the repository root:

    python scripts/make_demo_recordings.py            # every episode
    python scripts/make_demo_recordings.py 12 13      # only these numbers

Each recording is a title card (episode number, title, area, host) with a progress bar, H.264 in
fragmented MP4, cut into 90-second HLS segments kept in a single file (EXT-X-BYTERANGE): Chromium
(through hls.js), Safari (natively) and Android browsers all play it. One frame a second and a
key frame per segment keep a three-minute recording near 27 KB (all thirteen: about 360 KB).
See docs/demo.md.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.demo.data.episodes_early import EARLY  # noqa: E402
from app.demo.data.episodes_recent import RECENT, UPCOMING  # noqa: E402
from app.demo.data.specs import EpisodeSpec  # noqa: E402
from app.demo.recordings import RECORDING_SECONDS, RECORDINGS_DIR  # noqa: E402

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
WIDTH, HEIGHT = 640, 360
SEGMENT_SECONDS = 90
BACKGROUND, BAR, BAR_DONE = "0x1d3557", "0x3d5a80", "0xf4a261"
BAR_MARGIN, BAR_Y = 60, 300


def card_lines(spec: EpisodeSpec, live: bool) -> list[tuple[str, int, str, int]]:
    """(text, font size, colour, y) of each line on the title card."""
    label = "执播 · 演示直播信号" if live else "执播 · 演示录像"
    return [
        (label, 22, "0xa8dadc", 48),
        (f"第{spec.number}期", 44, "white", 110),
        (spec.title, 30, "white", 175),
        (f"{spec.area} · 主持人 {spec.host}", 22, "0xdddddd", 228),
    ]


def video_filter(texts: list[tuple[Path, int, str, int]]) -> str:
    """drawtext for each line (read from files, so no text needs escaping), then the progress bar."""
    bar = WIDTH - 2 * BAR_MARGIN
    parts = [f"drawtext=fontfile={FONT}:textfile={path}:fontsize={size}:fontcolor={colour}:x=(w-tw)/2:y={y}"
             for path, size, colour, y in texts]
    parts.append(f"drawbox=x={BAR_MARGIN}:y={BAR_Y}:w={bar}:h=6:color={BAR}:t=fill[card]")
    # The elapsed part slides in from the left (overlay positions are evaluated every frame);
    # boxes in the background colour hide what lies left of the track.
    parts.append(f"color=c={BAR_DONE}:s={bar}x6:r=1[done];"
                 f"[card][done]overlay=x='{BAR_MARGIN}-{bar}+{bar}*t/{RECORDING_SECONDS}':y={BAR_Y}:shortest=1,"
                 f"drawbox=x=0:y={BAR_Y}:w={BAR_MARGIN}:h=6:color={BACKGROUND}:t=fill")
    return ",".join(parts)


def make_recording(spec: EpisodeSpec, out_dir: Path, live: bool = False) -> Path:
    """Write <number>.m3u8 and <number>.mp4 into out_dir; returns the playlist."""
    with tempfile.TemporaryDirectory() as tmp:
        texts = []
        for i, (text, size, colour, y) in enumerate(card_lines(spec, live)):
            path = Path(tmp) / f"line{i}.txt"
            path.write_text(text, encoding="utf-8")
            texts.append((path, size, colour, y))
        playlist = out_dir / f"{spec.number}.m3u8"
        command = [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"color=c={BACKGROUND}:s={WIDTH}x{HEIGHT}:r=1:d={RECORDING_SECONDS}",
            "-filter_complex", video_filter(texts),
            "-c:v", "libx264", "-preset", "veryslow", "-tune", "stillimage", "-crf", "38",
            # No B-frames: they delay presentation (two frames: two seconds at one frame a second),
            # which MSE players would add to the timeline, so a comment at 1:40 would show at 1:42.
            "-profile:v", "main", "-pix_fmt", "yuv420p", "-bf", "0",
            "-g", str(SEGMENT_SECONDS), "-keyint_min", str(SEGMENT_SECONDS), "-sc_threshold", "0",
            "-an", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
            "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_flags", "single_file",
            "-hls_segment_filename", str(out_dir / f"{spec.number}.mp4"),
            str(playlist),
        ]
        subprocess.run(command, check=True)
    return playlist


def main(argv: list[str]) -> int:
    if shutil.which("ffmpeg") is None or not FONT.exists():
        print("needs ffmpeg and the Noto Sans CJK font: apt-get install ffmpeg fonts-noto-cjk", file=sys.stderr)
        return 1
    wanted = {int(a) for a in argv}
    RECORDINGS_DIR.mkdir(parents=True, exist_ok=True)
    for spec, live in [*((s, False) for s in (*EARLY, *RECENT)), (UPCOMING, True)]:
        if wanted and spec.number not in wanted:
            continue
        playlist = make_recording(spec, RECORDINGS_DIR, live)
        size = sum(p.stat().st_size for p in RECORDINGS_DIR.glob(f"{spec.number}.*"))
        print(f"{playlist.relative_to(ROOT)}  {size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
