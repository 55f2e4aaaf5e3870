"""Rate limits on votes and proposals: per user and per address, read from the config per request."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_limiter.util import get_remote_address

from app.core.auth import current_actor
from app.extensions import limiter


def user_key() -> str:
    """The limiter key of the calling user (their address when anonymous: they are refused anyway)."""
    actor = current_actor()
    return f"user:{actor.user_id}" if actor.user_id is not None else f"ip:{get_remote_address()}"


def _config(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _two_limits(prefix: str, user_setting: str, ip_setting: str) -> Callable:
    def decorate(fn: Callable) -> Callable:
        fn = limiter.shared_limit(_config(user_setting), f"{prefix}-user", key_func=user_key,
                                  methods=["POST", "DELETE"])(fn)
        return limiter.shared_limit(_config(ip_setting), f"{prefix}-ip", key_func=get_remote_address,
                                    methods=["POST", "DELETE"])(fn)
    return decorate


#: Votes and withdrawals share one budget.
vote_limits = _two_limits("poll-vote", "POLL_VOTE_RATE_USER", "POLL_VOTE_RATE_IP")
proposal_limits = _two_limits("poll-proposal", "POLL_PROPOSAL_RATE_USER", "POLL_PROPOSAL_RATE_IP")
