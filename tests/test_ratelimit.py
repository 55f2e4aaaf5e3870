"""The hot-path rate limit: a fixed window per key, counted in this process by default."""
from __future__ import annotations

import time

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


def test_with_redis_the_windows_are_shared_and_every_limit_of_a_comment_is_counted(app, redis_url, monkeypatch):
    """RATELIMIT_STORAGE_URI=redis://…: the windows live in Redis, so every process sees them."""
    import redis

    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", redis_url)
    store = redis.Redis.from_url(redis_url)
    user, address = "live-comment-user:u-redis-1", "live-comment-ip:ip-redis-1"
    store.delete(f"zhibo:rate:{user}", f"zhibo:rate:{address}")
    checks = [("3/minute", "live-comment-user", "u-redis-1"), ("5/minute", "live-comment-ip", "ip-redis-1")]
    assert [ratelimit.hit_all(checks) for _ in range(6)] == [True, True, True, False, False, False]
    # the refused user's tries did not use up the address: its window counted only 3
    assert int(store.get(f"zhibo:rate:{address}")) == 3
    assert 0 < store.ttl(f"zhibo:rate:{user}") <= 60  # the window closes by itself
    # the address allows 5: another user from it gets two more, then the address refuses
    other = [("3/minute", "live-comment-user", "u-redis-2"), ("5/minute", "live-comment-ip", "ip-redis-1")]
    store.delete("zhibo:rate:live-comment-user:u-redis-2")
    assert [ratelimit.hit_all(other) for _ in range(3)] == [True, True, False]


def test_with_redis_a_window_that_lost_its_expiry_gets_one_back(app, redis_url, monkeypatch):
    """A key without a TTL would refuse its user for ever once over the limit."""
    import redis

    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", redis_url)
    store = redis.Redis.from_url(redis_url)
    store.set("zhibo:rate:live-comment-user:u-redis-3", 99)  # e.g. recreated by an INCR after expiring
    assert ratelimit.hit("10/minute", "live-comment-user", "u-redis-3") is False
    assert 0 < store.ttl("zhibo:rate:live-comment-user:u-redis-3") <= 60


def test_with_redis_a_closed_window_opens_a_new_one(app, redis_url, monkeypatch):
    import redis

    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", redis_url)
    store = redis.Redis.from_url(redis_url)
    store.delete("zhibo:rate:ns:expiring")
    assert ratelimit.hit("1/second", "ns", "expiring") is True
    assert ratelimit.hit("1/second", "ns", "expiring") is False
    deadline = time.monotonic() + 10
    while store.exists("zhibo:rate:ns:expiring") and time.monotonic() < deadline:
        time.sleep(0.05)  # Redis expires the window's key after its second
    assert ratelimit.hit("1/second", "ns", "expiring") is True
