"""The hot-path rate limit: a fixed window per key, counted in this process by default."""
from __future__ import annotations

from app.core import ratelimit


def test_the_limit_allows_its_amount_then_refuses_per_key(app):
    assert [ratelimit.hit("3/minute", "live-comment-user", "u1") for _ in range(4)] == [True, True, True, False]
    assert ratelimit.hit("3/minute", "live-comment-user", "u2") is True  # another user has their own window
    assert ratelimit.hit("3/minute", "live-comment-ip", "u1") is True    # another namespace too


def test_a_new_window_starts_after_the_old_one_ends(app, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    assert ratelimit.hit("1/second", "ns", "k") is True
    assert ratelimit.hit("1/second", "ns", "k") is False
    clock[0] += 1.0
    assert ratelimit.hit("1/second", "ns", "k") is True
