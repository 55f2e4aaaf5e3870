"""The server process's garbage-collector settings (app/core/gctune.py)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from app.core import gctune
from tests.live_server import ROOT


def test_thresholds_are_three_positive_integers_or_nothing():
    assert gctune.parse("700,50,1000") == (700, 50, 1000)
    assert gctune.parse("") is None and gctune.parse("  ") is None  # Python's defaults
    for bad in ("700,50", "700,0,10", "a,b,c"):
        with pytest.raises(ValueError):
            gctune.parse(bad)


def test_tune_freezes_what_exists_and_sets_the_thresholds():
    """In a fresh interpreter (freezing this one would change the rest of the suite)."""
    code = ("import gc; from app.core import gctune; "
            "gctune.tune('700,50,1000'); print(*gc.get_threshold(), gc.get_freeze_count() > 1000)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["700", "50", "1000", "True"]


def test_the_gevent_server_applies_gc_thresholds_from_its_settings(tmp_path):
    """wsgi.py (what `make run` and gunicorn load) tunes the collector from GC_THRESHOLDS."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env.update({"ZHIBO_ASYNC": "gevent", "GC_THRESHOLDS": "800,40,900", "ZHIBO_INSTANCE_DIR": str(tmp_path),
                "SCHEDULER_MODE": "off"})
    code = "import gc, wsgi; print(*gc.get_threshold(), gc.get_freeze_count() > 1000)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-4:] == ["800", "40", "900", "True"]
