"""Configuration classes, read from environment variables.

The embedded default needs no external service: a SQLite file under instance/,
the in-process scheduler and in-memory counters. Production sets DATABASE_URL,
SOCKETIO_MESSAGE_QUEUE and REDIS_URL.
"""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("ZHIBO_INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default_name: str) -> str:
    """DATABASE_URL, or a SQLite file under instance/; postgres:// is mapped to psycopg 3."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / default_name}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = _database_url("zhibo.sqlite3")
    #: Connection pool per process. Under gevent one process serves thousands of clients, so a
    #: burst queues for connections; a request that waits longer than the timeout gets a 503
    #: "busy, try again" rather than hanging (measured with bench/poll, see docs/performance.md).
    SQLALCHEMY_ENGINE_OPTIONS = {
        # PostgreSQL: "socket" (default) checks a pooled connection without a round trip
        # (app/core/dbliveness.py); "query" is SQLAlchemy's SELECT 1 at every checkout.
        "pool_pre_ping": os.environ.get("DB_PRE_PING", "socket") == "query",  # DB_PRE_PING below
        # 40, not 10: a live process has a comment in flight for every one that arrived within a
        # round trip, and an overflow connection is closed when returned: at 5,000 viewers and
        # 100 comments/s a pool of 10 opened and closed connections all the time (bench/live,
        # py-spy: psycopg connect and close), and delivery p99 went from 0.83 s to 1.3 s.
        "pool_size": int(os.environ.get("DB_POOL_SIZE", "40")),
        "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW", "20")),
        "pool_timeout": float(os.environ.get("DB_POOL_TIMEOUT", "10")),
    }
    #: Requests waiting for a pooled connection are served in arrival order (app/core/fairpool.py).
    DB_POOL_FAIR = os.environ.get("DB_POOL_FAIR", "1") != "0"
    #: How a pooled PostgreSQL connection is checked before use: "socket", "query" or "off".
    DB_PRE_PING = os.environ.get("DB_PRE_PING", "socket")
    # --- outages (docs/outages.md): every PostgreSQL and Redis call has a deadline ---
    #: Seconds to open a PostgreSQL connection (libpq connect_timeout; 2 is its minimum).
    DB_CONNECT_TIMEOUT = int(os.environ.get("DB_CONNECT_TIMEOUT", "3"))
    #: Server-side limits per statement and per lock wait (milliseconds; 0: none). Sent as startup
    #: options; behind PgBouncer in transaction mode set them on the role instead (docs/deploy.md).
    DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "15000"))
    DB_LOCK_TIMEOUT_MS = int(os.environ.get("DB_LOCK_TIMEOUT_MS", "5000"))
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = int(os.environ.get("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", "60000"))
    #: Milliseconds sent data may stay unacknowledged before the kernel drops the connection
    #: (TCP_USER_TIMEOUT: a vanished database host); keepalives find one on an idle connection.
    DB_TCP_USER_TIMEOUT_MS = int(os.environ.get("DB_TCP_USER_TIMEOUT_MS", "10000"))
    #: Redis: seconds for each reply and for a new connection; seconds a failed Redis is skipped
    #: before it is tried again; seconds a pooled connection may idle before it is PINGed.
    REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "1.0"))
    REDIS_CONNECT_TIMEOUT = float(os.environ.get("REDIS_CONNECT_TIMEOUT", "1.0"))
    REDIS_RETRY_SECONDS = float(os.environ.get("REDIS_RETRY_SECONDS", "2.0"))
    REDIS_HEALTH_CHECK_SECONDS = float(os.environ.get("REDIS_HEALTH_CHECK_SECONDS", "10"))
    #: Seconds a live-room socket event may take before its ack fails with `unavailable` (gevent).
    SOCKET_ACK_TIMEOUT = float(os.environ.get("SOCKET_ACK_TIMEOUT", "5"))
    #: Seconds a page or API request may take before it answers 503 `unavailable` (gevent; 0: none).
    REQUEST_TIMEOUT = float(os.environ.get("REQUEST_TIMEOUT", "30"))
    #: Seconds each /healthz check (database, Redis) may take.
    HEALTHZ_TIMEOUT = float(os.environ.get("HEALTHZ_TIMEOUT", "2"))
    #: Seconds one like flush may wait for the database. Long on purpose: a flush given up while the
    #: server may still commit it would count its likes twice when retried.
    LIKE_FLUSH_TIMEOUT = float(os.environ.get("LIKE_FLUSH_TIMEOUT", "60"))
    #: Socket.IO message queue (redis://…); empty means a single process.
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    #: "gevent" for serving (wsgi.py patches for it); "threading" for tests and CLI tools.
    SOCKETIO_ASYNC_MODE = os.environ.get("ZHIBO_ASYNC", "gevent")
    #: A greenlet per socket event (python-socketio's default). False runs events in their
    #: connection's reader: cheaper on SQLite, but on PostgreSQL + Redis every round trip then
    #: stalls that connection's next event (bench/live measured p99 6 s at 1,000 viewers).
    SOCKETIO_ASYNC_HANDLERS = _bool("SOCKETIO_ASYNC_HANDLERS", True)
    #: Redis for counters and rate limits; empty means in-memory.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    #: "inprocess" runs the scheduler in the web process (make run);
    #: "external" leaves it to `flask scheduler run` (production).
    SCHEDULER_MODE = os.environ.get("SCHEDULER_MODE", "inprocess")

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "noreply@zhibo.localhost")

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Asia/Shanghai")
    LANGUAGES = {"zh": "简体中文", "en": "English"}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    #: Seconds a public page rendered for one anonymous visitor serves the others (0: off); logged-in
    #: users are never served from it (app/core/pagecache.py, docs/performance.md).
    PAGE_CACHE_SECONDS = float(os.environ.get("PAGE_CACHE_SECONDS", "5"))
    #: Largest request of any kind (forms with photos); JSON API bodies get API_MAX_BODY_BYTES.
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    #: Largest JSON body the API reads: a 20,000-character follow-up report with every
    #: character \u-escaped is about 120 KB (docs/api.md, "Limits").
    API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(256 * 1024)))
    #: Engine.IO heartbeat: a ping every interval; a viewer silent for interval + timeout is dropped.
    SOCKETIO_PING_INTERVAL = float(os.environ.get("SOCKETIO_PING_INTERVAL", "25"))
    SOCKETIO_PING_TIMEOUT = float(os.environ.get("SOCKETIO_PING_TIMEOUT", "20"))
    #: Largest Socket.IO message the transport reads (engine.io's maxPayload); a bigger websocket
    #: message closes that connection. Event payloads over 64 KB get a failed ack before this.
    SOCKETIO_MAX_MESSAGE_BYTES = int(os.environ.get("SOCKETIO_MAX_MESSAGE_BYTES", str(1_000_000)))

    #: Failed logins allowed per account+IP within LOGIN_WINDOW_MINUTES.
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_WINDOW_MINUTES = int(os.environ.get("LOGIN_WINDOW_MINUTES", "15"))

    #: Topic poll rate limits ("N/minute" syntax of the `limits` package), per user and per address; offices and
    #: mobile networks share addresses, so the per-address limits are wider.
    POLL_VOTE_RATE_USER = os.environ.get("POLL_VOTE_RATE_USER", "30/minute")
    POLL_VOTE_RATE_IP = os.environ.get("POLL_VOTE_RATE_IP", "600/minute")
    POLL_PROPOSAL_RATE_USER = os.environ.get("POLL_PROPOSAL_RATE_USER", "5/hour")
    POLL_PROPOSAL_RATE_IP = os.environ.get("POLL_PROPOSAL_RATE_IP", "60/hour")

    API_TITLE = "Zhibo API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = None  # we serve the document ourselves under /api/v1
    SITE_NAME = os.environ.get("SITE_NAME", "执播")

    # --- the live room (app/live) ---
    #: Seconds between two batched fan-out messages to one room. 0.5 s, not 0.25: each batch costs
    #: a websocket frame per viewer, and at 5,000 viewers frames are most of a process's CPU.
    LIVE_FLUSH_INTERVAL = float(os.environ.get("LIVE_FLUSH_INTERVAL", "0.5"))
    #: Seconds between batches that carry only counts (viewers, likes) in one room: a join or
    #: like storm in a room of thousands would otherwise cost a frame per viewer every flush.
    LIVE_COUNTS_INTERVAL = float(os.environ.get("LIVE_COUNTS_INTERVAL", "1.0"))
    #: The server process's garbage collector (app/core/gctune.py): "" keeps Python's defaults.
    GC_THRESHOLDS = os.environ.get("GC_THRESHOLDS", "700,50,1000")
    #: Benchmarks only: write round-trip and event-loop delay figures here at exit (app/core/probe.py).
    PROBE_FILE = os.environ.get("PROBE_FILE") or None
    #: Build each batch's websocket frame once and write it to every viewer directly (gevent-websocket
    #: servers; app/core/wire.py) instead of through engineio's per-connection writer. Off: compare.
    LIVE_DIRECT_FRAMES = os.environ.get("LIVE_DIRECT_FRAMES", "1") != "0"
    #: Idle websocket connections without engineio's ping and writer greenlets (app/core/leansocket.py).
    LEAN_SOCKETS = os.environ.get("LEAN_SOCKETS", "1") != "0"
    #: Seconds between two writes of the like counters to the database (one UPDATE per episode).
    LIKE_FLUSH_SECONDS = float(os.environ.get("LIKE_FLUSH_SECONDS", "1.0"))
    #: Like taps one connection may send per second.
    LIKE_RATE_PER_SECOND = int(os.environ.get("LIKE_RATE_PER_SECOND", "20"))
    #: Inspected parties (docs/parties.md): warn when a party is inspected more than N times in D days.
    PARTY_ALERT_MAX_INSPECTIONS = int(os.environ.get("PARTY_ALERT_MAX_INSPECTIONS", "3"))
    PARTY_ALERT_WINDOW_DAYS = int(os.environ.get("PARTY_ALERT_WINDOW_DAYS", "90"))
    #: One-time party codes: days they stay valid, and attempts per address (bad codes included).
    PARTY_CODE_DAYS = int(os.environ.get("PARTY_CODE_DAYS", "30"))
    PARTY_CODE_RATE_IP = os.environ.get("PARTY_CODE_RATE_IP", "30/hour")
    #: Conduct complaints: days the agency has to answer, and complaints one user may send.
    COMPLAINT_ANSWER_DAYS = int(os.environ.get("COMPLAINT_ANSWER_DAYS", "7"))
    COMPLAINT_RATE_USER = os.environ.get("COMPLAINT_RATE_USER", "5/hour")
    #: Comments one user may post, and from one address ("N/minute" syntax).
    COMMENT_RATE_USER = os.environ.get("COMMENT_RATE_USER", "10/minute")
    COMMENT_RATE_IP = os.environ.get("COMMENT_RATE_IP", "60/minute")
    #: Seconds other processes keep the sensitive-word matcher before reloading the list.
    LIVE_WORDS_TTL = float(os.environ.get("LIVE_WORDS_TTL", "30"))
    #: Start the fan-out and like-flush background tasks on the first join (off in the suite).
    LIVE_BACKGROUND_TASKS = True
    #: "Not rectified" reports from the public that reopen a finding for the coordinator.
    FINDING_REOPEN_THRESHOLD = int(os.environ.get("FINDING_REOPEN_THRESHOLD", "3"))


class DevelopmentConfig(Config):
    """`make run`: SQLite, in-process scheduler, debug toolbar off."""

    DEBUG = True


class TestConfig(Config):
    """The suite: its own database, fast password hashing, no scheduler thread."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    SCHEDULER_MODE = "off"
    RATELIMIT_STORAGE_URI = "memory://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # speed; production keeps scrypt
    # Generous: a test that checks a limit sets its own.
    POLL_VOTE_RATE_USER = POLL_VOTE_RATE_IP = "10000/minute"
    POLL_PROPOSAL_RATE_USER = POLL_PROPOSAL_RATE_IP = "10000/minute"
    PARTY_CODE_RATE_IP = COMPLAINT_RATE_USER = "10000/minute"  # tests that check the limits set their own
    LIVE_BACKGROUND_TASKS = False  # tests flush the live room's batches themselves
    PAGE_CACHE_SECONDS = 0  # a test sees what it just wrote; tests/test_pagecache.py turns it on


class ProductionConfig(Config):
    """Behind nginx: secure cookies, external scheduler by default."""

    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SCHEDULER_MODE = os.environ.get("SCHEDULER_MODE", "external")
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the config class named by ZHIBO_ENV (development by default)."""
    return CONFIGS[os.environ.get("ZHIBO_ENV", "development")]
