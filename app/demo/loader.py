"""Placeholder replaced by the demo data module."""
from __future__ import annotations

DEMO_PASSWORD = "zhibo-demo-2026"
DEMO_LOGINS: list[tuple[str, str]] = []


def load_demo(now, if_empty: bool = False) -> bool:
    """Load demo data; returns False when skipped."""
    return False
