"""Upstander Network: the Flask application factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy.orm import configure_mappers
from werkzeug.middleware.proxy_fix import ProxyFix

from network import config as configuration
from network.config import PROJECT_ROOT
from network.ids import IdConverter
from network.limit_counts import OneTripFixedWindow
from network.settings import init_app as settings_init


class Site(Flask):
    """Flask, asking once per function whether it is a coroutine function.

    Flask asks for every hook and view of every request (inspect's check, a dozen times a
    request here); the answer never changes for a function."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._made_sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            made = self._made_sync.get(func)
        except TypeError:  # a callable that cannot be a key
            return super().ensure_sync(func)
        if made is None:
            made = super().ensure_sync(func)
            if len(self._made_sync) < 4096:  # hooks and views: a fixed set
                self._made_sync[func] = made
        return made


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, Socket.IO and Celery."""
    app = Site(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(configuration.load(config)["INSTANCE_PATH"]),
    )
    app.config.from_mapping(configuration.load(config))
    loaded = settings_init(app)
    if loaded.proxy_fix:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    # Every <int:...> in a URL is a database id: out of range, it is not found.
    app.url_map.converters["int"] = IdConverter

    # Socket.IO handlers register on the extension before it builds this app's server.
    import network.coordination.events  # noqa: F401
    from network import edge, extensions, i18n, jobs, realtime, security
    from network.accounts import token_cache
    from network.accounts.sessions import init_login
    from network.errors import register_error_handlers
    from network.privacy import redaction
    from network.realtime import fanout
    from network.realtime.packet import FeedPacket
    from network.tasks import celery_init_app

    extensions.db.init_app(app)
    realtime.init_app(app)
    extensions.migrate.init_app(app, directory=str(PROJECT_ROOT / "migrations"))
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    extensions.limiter.count_with(OneTripFixedWindow)
    i18n.init_app(app)
    init_login(app)
    security.init_app(app)
    redaction.install()
    register_error_handlers(app)
    edge.init_app(app)
    # Inside Socket.IO's middleware: only the app's own requests count as running.
    jobs.init_app(app)
    # Flask-SocketIO keeps the last app's message-queue manager among its options and would hand
    # it to this app too (a process that builds several apps: the tests).
    extensions.socketio.server_options.pop("client_manager", None)
    # On Redis, a manager that tells the other web processes of an event before its own clients.
    manager = fanout.client_manager(loaded.socketio_message_queue, loaded.socketio_channel)
    queue_options: dict[str, Any] = (
        {"client_manager": manager} if manager else {"channel": loaded.socketio_channel}
    )
    extensions.socketio.init_app(
        app,
        message_queue=loaded.socketio_message_queue,
        **queue_options,
        async_mode=loaded.socketio_async_mode,
        cors_allowed_origins=security.origin_checker(app),
        max_http_buffer_size=16 * 1024,
        serializer=FeedPacket,
    )
    celery_init_app(app)
    _register_blueprints(app)
    # Every model is imported by now: relate the mappers here, not in the first request that
    # reads a row (30-40 ms of it here), and before a web process sets aside what it loaded as
    # permanent (gunicorn.conf.py, network/heap.py).
    configure_mappers()
    extensions.remember_runtime(app)
    # The members behind access tokens, kept per process (PostgreSQL; listening from gunicorn's
    # post_worker_init, else from the first token looked up).
    cache = token_cache.for_engine(extensions.db.engine_for(app), loaded.token_cache_seconds)
    if cache is not None:
        app.extensions["token_cache"] = cache

    from network.commands import register_commands

    register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    # Importing the API modules registers their operations on the blueprint.
    import network.accounts.api
    import network.accounts.recovery_views  # registers on the accounts blueprint
    import network.alerts.api
    import network.campaigns.api
    import network.coordination.api
    import network.digests.api
    import network.impact.api
    import network.learning.api
    import network.learning.experiments_api
    import network.moderation.api
    import network.notices.api
    import network.privacy.api
    import network.reach.api
    import network.teams.api
    import network.webhooks.api  # noqa: F401
    from network.accounts.views import accounts
    from network.alerts.views import alerts
    from network.api import (
        api,
        openapi,  # noqa: F401  (registers /openapi.json)
    )
    from network.api.views import reference
    from network.campaigns.views import campaigns
    from network.coordination.views import coordination
    from network.digests.views import digests
    from network.guidance.views import guidance
    from network.health import health
    from network.impact.views import impact
    from network.learning.experiments_views import experiments
    from network.learning.views import learning
    from network.moderation.views import moderation
    from network.notices.views import notices
    from network.pages.views import pages
    from network.privacy.views import privacy
    from network.pwa.views import pwa
    from network.reach.views import reach
    from network.teams.views import teams
    from network.webhooks.views import webhooks

    for blueprint in (
        pages,
        accounts,
        teams,
        alerts,
        campaigns,
        coordination,
        moderation,
        notices,
        digests,
        impact,
        guidance,
        experiments,
        privacy,
        pwa,
        reach,
        reference,
        learning,
        webhooks,
        health,
        api,
    ):
        app.register_blueprint(blueprint)
