"""The application factory."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from config import INSTANCE_DIR, Config, config_from_env


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the Flask app with its extensions, blueprints, Socket.IO namespaces and CLI."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(INSTANCE_DIR), instance_relative_config=True)
    app.config.from_object(config_class or config_from_env())
    app.config.update(overrides)
    _fit_engine_options(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO)
    # One line per sweep run every 30 s drowns the server log; keep APScheduler's warnings only.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

    from app.core.routing import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    _init_extensions(app)
    _register_blueprints(app)

    from app.core.errors import register_error_handlers
    from app.core.security import register_security_headers

    register_error_handlers(app)
    _request_deadline(app)
    register_security_headers(app)

    from app.core.pagecache import init_page_cache

    init_page_cache(app)  # after CSRFProtect (it replaces its csrf_token global) and the headers

    from app.cli import register_cli

    register_cli(app)

    from app import scheduler

    scheduler.init_app(app)
    return app


def _fit_engine_options(app: Flask) -> None:
    """Fit the pool options to the engine: no pre-ping on SQLite, no pool sizing in memory."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        # A local file never drops a connection: no "SELECT 1" before every checkout.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
                                                   "pool_pre_ping": False}
    if uri.startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
                                                   "connect_args": postgres_connect_args(app.config)}
    if app.config.get("DB_POOL_FAIR", True) and uri not in ("sqlite://", "sqlite:///:memory:"):
        from app.core.fairpool import FairQueuePool

        # Waiting requests get their connection in arrival order (app/core/fairpool.py).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
                                                   "poolclass": FairQueuePool}
    if uri in ("sqlite://", "sqlite:///:memory:"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        for key in ("pool_size", "max_overflow", "pool_timeout"):
            options.pop(key, None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _request_deadline(app: Flask) -> None:
    """Every page and API request ends within REQUEST_TIMEOUT seconds (gevent): 503 `unavailable` after."""
    from app.core.deadline import deadline
    from app.core.errors import Unavailable

    dispatch = app.full_dispatch_request

    def full_dispatch_request():
        try:
            with deadline(app.config.get("REQUEST_TIMEOUT", 30.0)):
                return dispatch()
        except Unavailable as error:  # the deadline itself: answered by the one error handler
            from app.extensions import db

            db.session.rollback()
            return app.finalize_request(app.handle_user_exception(error))

    app.full_dispatch_request = full_dispatch_request


def postgres_connect_args(config: dict) -> dict:
    """libpq options: connect timeout, keepalives, TCP user timeout and server-side statement limits."""
    limits = " ".join(f"-c {name}={int(config.get(key, 0))}" for name, key in (
        ("statement_timeout", "DB_STATEMENT_TIMEOUT_MS"), ("lock_timeout", "DB_LOCK_TIMEOUT_MS"),
        ("idle_in_transaction_session_timeout", "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS")) if config.get(key))
    args = {"connect_timeout": max(2, int(config.get("DB_CONNECT_TIMEOUT", 3))),
            "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
            "tcp_user_timeout": int(config.get("DB_TCP_USER_TIMEOUT_MS", 10000))}
    if limits:
        args["options"] = limits
    return args


def _init_extensions(app: Flask) -> None:
    """Bind the extensions to this app."""
    from app import models  # noqa: F401  (every table known before anything queries)
    from app.accounts.loader import init_login
    from app.core.i18n import init_babel
    from app.core.sockets import StrictPacket
    from app.extensions import csrf, db, migrate, socketio
    from app.library import indexing
    from app.library.search import outside_models

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") \
            and app.config.get("DB_PRE_PING", "socket") == "socket":
        from app.core import dbliveness

        with app.app_context():
            dbliveness.install(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True, include_name=outside_models)
    indexing.install()
    csrf.init_app(app)
    init_login(app)
    init_babel(app)
    from app.core import redisclient

    redisclient.configure(app.config)
    queue = app.config["SOCKETIO_MESSAGE_QUEUE"]
    extra = {}
    if queue and queue.startswith(("redis://", "rediss://")):
        from app.core.messagequeue import RecoveringRedisManager

        # Flask-SocketIO's own RedisManager has no timeouts and backs off up to 60 s after an outage.
        extra["client_manager"] = RecoveringRedisManager(queue, channel="flask-socketio",
                                                         redis_options=redisclient.connection_options())
    if app.config["SOCKETIO_ASYNC_MODE"] == "gevent":
        from app.core.serving import TakeTurns

        app.wsgi_app = TakeTurns(app.wsgi_app)  # fair turns for keep-alive clients (serving.py)
    socketio.init_app(app, async_mode=app.config["SOCKETIO_ASYNC_MODE"],
                      message_queue=queue, **extra,
                      cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS", []) or None,
                      async_handlers=app.config["SOCKETIO_ASYNC_HANDLERS"],
                      serializer=StrictPacket, max_http_buffer_size=app.config["SOCKETIO_MAX_MESSAGE_BYTES"],
                      ping_interval=app.config.get("SOCKETIO_PING_INTERVAL", 25),
                      ping_timeout=app.config.get("SOCKETIO_PING_TIMEOUT", 20),
                      logger=False, engineio_logger=False)
    from app.core import leansocket, wire
    from app.sockets import register_namespaces

    if app.config.get("LIVE_DIRECT_FRAMES", True):
        wire.install(socketio)  # gevent-websocket servers only; elsewhere engineio's queues as usual
    if app.config.get("LEAN_SOCKETS", True):
        leansocket.install(socketio)  # gevent-websocket only: no ping or writer greenlet while idle
    register_namespaces(socketio)


def _register_blueprints(app: Flask) -> None:
    """Mount each area's pages and the JSON API."""
    from app.accounts.routes import bp as accounts_bp
    from app.agencies.routes import bp as agencies_bp
    from app.api import init_api
    from app.episodes.routes import bp as episodes_bp
    from app.findings.routes import bp as findings_bp
    from app.library.routes import bp as library_bp
    from app.live.routes import bp as live_bp
    from app.main.routes import bp as main_bp
    from app.observers.routes import bp as observers_bp
    from app.parties.routes import bp as parties_bp
    from app.polls.routes import bp as polls_bp
    from app.stats.routes import bp as stats_bp

    for blueprint in (main_bp, accounts_bp, polls_bp, episodes_bp, live_bp, findings_bp, observers_bp,
                      agencies_bp, stats_bp, library_bp, parties_bp):
        app.register_blueprint(blueprint)
    init_api(app)
