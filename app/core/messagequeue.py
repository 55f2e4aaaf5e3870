"""The Socket.IO message queue's Redis manager, made to ride out a Redis outage.

python-socketio's RedisManager connects without timeouts (a publish to a frozen Redis waits for
ever) and, after losing its subscription, waits 1, 2, 4 … up to 60 s between attempts: after a
30 s outage the queue could stay deaf for another 30 s. This one gets the redis-py options of
app/core/redisclient.py (timeouts, keepalives) and tries again every second, at most every
MAX_RETRY_SECONDS. The blocking read of the subscription itself has no timeout (redis-py ignores
socket_timeout there): it waits quietly through a frozen Redis and resumes when Redis does; a
restarted Redis closes the socket, and a vanished host is found by TCP keepalive.
"""
from __future__ import annotations

import time

from socketio import RedisManager

#: Longest pause between two attempts to subscribe again.
MAX_RETRY_SECONDS = 5.0


class RecoveringRedisManager(RedisManager):
    """RedisManager with timeouts and a short, capped retry after an outage."""

    def _redis_listen_with_retries(self):  # same loop as python-socketio's, with the cap
        retry_sleep = 1.0
        subscribed = False  # as upstream: set only by a failure, so a listen() that ends resubscribes
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    if retry_sleep > 1.0:
                        self._get_logger().warning("message queue subscribed again")
                    retry_sleep = 1.0
                yield from self.pubsub.listen()
            except Exception as exc:  # noqa: BLE001 - Redis down or restarted: subscribe again
                self._get_logger().error("message queue lost Redis (%s); retrying in %.0f s", exc, retry_sleep)
                subscribed = False
                time.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, MAX_RETRY_SECONDS)
