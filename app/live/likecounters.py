"""Like counters: the running totals and the deltas not yet written, in memory or in Redis.

`likes.tap` adds to them and `likes.flush_likes` takes the pending deltas as one held batch,
confirmed after the database commit (app/live/likes.py).
"""
from __future__ import annotations

import secrets
import threading
from collections import defaultdict

from flask import current_app


class LikeCounter:
    """Running like totals and the deltas not yet written to the database.

    A flush takes the pending deltas as one batch that stays *held* until `confirm` (after the
    database commit): a failed write is simply tried again with the same batch, so no delta is
    lost or written twice whatever fails in between.
    """

    def add(self, episode_id: int, count: int, base: int) -> int:
        """Count taps; returns the new total (base is the stored total, used the first time)."""
        raise NotImplementedError

    def sync(self) -> None:
        """Share this process's taps with the other processes (Redis); nothing to do in memory."""

    def take_pending(self) -> dict[int, int]:
        """The held batch of deltas to write, {episode_id: n} (the same one until confirmed)."""
        raise NotImplementedError

    def confirm(self) -> None:
        """The held batch is in the database: forget it."""
        raise NotImplementedError

    def total(self, episode_id: int) -> int | None:
        """The running total, or None when this counter has not seen the episode."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget everything (tests)."""


class MemoryLikeCounter(LikeCounter):
    """One process's counters (the embedded default)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: dict[int, int] = {}
        self._pending: dict[int, int] = defaultdict(int)
        self._held: dict[int, int] = {}

    def add(self, episode_id: int, count: int, base: int) -> int:
        with self._lock:
            total = self._totals.get(episode_id, base) + count
            self._totals[episode_id] = total
            self._pending[episode_id] += count
            return total

    def take_pending(self) -> dict[int, int]:
        with self._lock:
            if not self._held:
                self._held = {k: v for k, v in self._pending.items() if v}
                self._pending = defaultdict(int)
            return dict(self._held)

    def confirm(self) -> None:
        with self._lock:
            self._held = {}

    def total(self, episode_id: int) -> int | None:
        with self._lock:
            return self._totals.get(episode_id)

    def reset(self) -> None:
        with self._lock:
            self._totals.clear()
            self._pending.clear()
            self._held = {}


#: Adds a process's taps to the shared totals and the shared pending hash, once per token: a push
#: whose reply was lost (a Redis that froze, a timeout) is sent again with the same token and
#: counted once. KEYS: token, pending hash, then one total key per episode; ARGV: token TTL, then
#: (episode id, taps, stored base) per episode. Returns the totals.
_PUSH = """
local fresh = redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1])
local totals = {}
for i = 3, #KEYS do
  local j = (i - 3) * 3 + 2
  if fresh then
    redis.call('SET', KEYS[i], ARGV[j + 2], 'NX')
    redis.call('INCRBY', KEYS[i], ARGV[j + 1])
    redis.call('HINCRBY', KEYS[2], ARGV[j], ARGV[j + 1])
  end
  totals[#totals + 1] = tonumber(redis.call('GET', KEYS[i]))
end
return totals
"""
#: Moves the shared pending hash to this flush's own key (once per token) and returns it, so a
#: flush whose reply was lost finds its batch again instead of losing it. KEYS: pending, held.
_TAKE = """
if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return redis.call('HGETALL', KEYS[2])
"""


class RedisLikeCounter(LikeCounter):
    """Counters shared by every process through Redis, fed by each process once per flush.

    A tap counts in this process only (no round trip; nothing to fail); `sync` pushes the taps in
    one idempotent script call per LIKE_FLUSH_SECONDS. While Redis is down the taps wait here and
    go out when it answers again (docs/outages.md), and the totals shown are the last shared ones
    plus this process's own.
    """

    PENDING = "zhibo:likes:pending"
    #: Seconds a push token or a held batch survives in Redis (far longer than any outage we ride out).
    TOKEN_TTL = 86_400

    def __init__(self, url: str) -> None:
        from app.core import redisclient

        self.url = url
        self.redis = redisclient.client(url)
        self._push_script = self.redis.register_script(_PUSH)
        self._take_script = self.redis.register_script(_TAKE)
        self._lock = threading.Lock()
        self._taps: dict[int, int] = defaultdict(int)  # not yet in a push
        self._bases: dict[int, int] = {}
        self._push: tuple[str, dict[int, int]] | None = None  # (token, taps) sent, not yet acknowledged
        self._shared: dict[int, int] = {}  # last totals read from Redis
        #: (token, batch or None while not read back, written to the database)
        self._held: tuple[str, dict[int, int] | None, bool] | None = None

    def _total_key(self, episode_id: int) -> str:
        return f"zhibo:likes:total:{episode_id}"

    def _local(self, episode_id: int) -> int:
        """This process's taps not yet acknowledged by Redis."""
        pushing = self._push[1].get(episode_id, 0) if self._push else 0
        return self._taps.get(episode_id, 0) + pushing

    def add(self, episode_id: int, count: int, base: int) -> int:
        with self._lock:
            self._taps[episode_id] += count
            self._bases[episode_id] = base
            return self._shared.get(episode_id, base) + self._local(episode_id)

    def sync(self) -> None:
        from app.core import redisclient

        with self._lock:
            if self._push is None and self._taps:
                self._push, self._taps = (secrets.token_hex(8), dict(self._taps)), defaultdict(int)
            push, bases = self._push, dict(self._bases)
        if push is None or not redisclient.available(self.url):
            return
        token, taps = push
        episodes = sorted(taps)
        args: list = [self.TOKEN_TTL]
        for episode_id in episodes:
            args += [episode_id, taps[episode_id], bases.get(episode_id, 0)]
        try:
            totals = self._push_script(keys=[f"zhibo:likes:push:{token}", self.PENDING,
                                             *map(self._total_key, episodes)], args=args)
        except redisclient.errors() as error:
            redisclient.mark_down(self.url, error)
            return  # the same push, same token, next time
        with self._lock:
            self._push = None
            self._shared.update({e: int(t) for e, t in zip(episodes, totals) if t is not None})

    def take_pending(self) -> dict[int, int]:
        from app.core import redisclient

        with self._lock:
            held = self._held
        if held is not None and held[2]:
            self.confirm()  # written but not yet released in Redis
            with self._lock:
                if self._held is not None:
                    return {}
            held = None
        if held is not None and held[1] is not None:
            return dict(held[1])
        if not redisclient.available(self.url):
            return {}
        token = held[0] if held is not None else secrets.token_hex(8)
        with self._lock:
            self._held = (token, None, False)  # before the call: a lost reply is found by this token
        try:
            raw = self._take_script(keys=[self.PENDING, f"zhibo:likes:held:{token}"], args=[self.TOKEN_TTL])
        except redisclient.errors() as error:
            redisclient.mark_down(self.url, error)
            return {}
        pairs = dict(zip(raw[::2], raw[1::2]))
        batch = {int(k): int(v) for k, v in pairs.items() if int(v)}
        with self._lock:
            self._held = (token, batch, False) if pairs else None
        return dict(batch)

    def confirm(self) -> None:
        from app.core import redisclient

        with self._lock:
            if self._held is None:
                return
            token = self._held[0]
            self._held = (token, self._held[1], True)
        try:
            self.redis.delete(f"zhibo:likes:held:{token}")
        except redisclient.errors() as error:
            redisclient.mark_down(self.url, error)
            return  # released at the next flush; never written twice
        with self._lock:
            self._held = None

    def total(self, episode_id: int) -> int | None:
        from app.core import redisclient

        if redisclient.available(self.url):
            try:
                value = self.redis.get(self._total_key(episode_id))
            except redisclient.errors() as error:
                redisclient.mark_down(self.url, error)
            else:
                if value is not None:
                    with self._lock:
                        self._shared[episode_id] = int(value)
        with self._lock:
            shared = self._shared.get(episode_id)
            local = self._local(episode_id)
            if shared is None and not local:
                return None
            return (shared if shared is not None else self._bases.get(episode_id, 0)) + local

    def reset(self) -> None:
        with self._lock:
            self._taps.clear()
            self._bases.clear()
            self._push = None
            self._shared.clear()
            self._held = None


_counter: LikeCounter | None = None
_counter_lock = threading.Lock()


def counter() -> LikeCounter:
    """The process's like counter: Redis when REDIS_URL is set, else in memory."""
    global _counter
    with _counter_lock:
        if _counter is None:
            url = current_app.config.get("REDIS_URL")
            _counter = RedisLikeCounter(url) if url else MemoryLikeCounter()
        return _counter
