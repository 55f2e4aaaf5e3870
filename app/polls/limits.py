"""Rate limits on votes and proposals: per user and per address, read from the config per request.

Counted by app/core/ratelimit.py (the live room's limiter: one in-process window, or one Redis
round trip for both limits). Flask-Limiter did this before; its in-memory storage armed a timer
thread on almost every hit: with two limits that was a fifth of a vote request's CPU
(bench/poll/breakdown.py, docs/performance.md).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, request

from app.core import ratelimit
from app.core.auth import current_actor
from app.core.errors import RateLimited


def _address() -> str:
    """The caller's address (behind nginx, what ProxyFix made of X-Forwarded-For)."""
    return request.remote_addr or "-"


def user_key() -> str:
    """The limiter key of the calling user (their address when anonymous: they are refused anyway)."""
    actor = current_actor()
    return f"user:{actor.user_id}" if actor.user_id is not None else f"ip:{_address()}"


def _two_limits(prefix: str, user_setting: str, ip_setting: str) -> Callable:
    """A decorator counting POST and DELETE against the user's and the address's limits."""
    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def limited(*args: Any, **kwargs: Any) -> Any:
            if request.method in ("POST", "DELETE"):
                config = current_app.config
                # The user's window first: a refused user does not use up the shared address's budget.
                checks = [(config[user_setting], f"{prefix}-user", user_key()),
                          (config[ip_setting], f"{prefix}-ip", _address())]
                if not ratelimit.hit_all(checks):
                    raise RateLimited(retry_after=ratelimit.window_seconds(config[user_setting]))
            return fn(*args, **kwargs)
        return limited
    return decorate


#: Votes and withdrawals share one budget.
vote_limits = _two_limits("poll-vote", "POLL_VOTE_RATE_USER", "POLL_VOTE_RATE_IP")
proposal_limits = _two_limits("poll-proposal", "POLL_PROPOSAL_RATE_USER", "POLL_PROPOSAL_RATE_IP")
