"""Celery wired the Flask way: every task runs inside an app context; JSON only."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.signals import worker_process_init
from flask import Flask

from network.extensions import db
from network.heap import freeze_loaded
from network.settings import settings_of
from network.tasks.broker import transport_for

TASK_MODULES = [
    "network.tasks.health",
    "network.tasks.alerts",
    "network.tasks.coordination",
    "network.tasks.digests",
    "network.tasks.campaigns",
    "network.tasks.privacy",
    "network.tasks.moderation",
    "network.tasks.notices",
    "network.tasks.reach",
    "network.tasks.learning",
    "network.tasks.impact",
    "network.tasks.webhooks",
]


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for this Flask app and store it in app.extensions."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    redis_url = settings_of(app).redis_url
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=redis_url or "memory://",
        # kombu's Redis transport, one client per channel for sending (network/tasks/broker.py).
        broker_transport=transport_for(redis_url or ""),
        task_ignore_result=True,
        result_backend=None,
        # One (disabled) result backend for the process. Celery keeps one per thread otherwise,
        # and under gevent every request is a thread of its own: each job a request queued built
        # a backend anew (~0.1 ms of a web process's CPU per job).
        result_backend_thread_safe=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        event_serializer="json",
        # A job is acknowledged when it has finished, so a killed worker's job runs again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # How long an unacknowledged job waits before another worker gets it (Redis broker).
        broker_transport_options={"visibility_timeout": settings_of(app).broker_visibility_timeout},
        timezone="UTC",
        enable_utc=True,
        imports=TASK_MODULES,
        beat_schedule=beat_schedule(settings_of(app).trust_batch_hour),
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    # A worker's process (a pool child, or the worker itself with --pool=solo) has loaded the
    # app and its jobs: keep them out of the garbage collector's full passes (network/heap.py).
    worker_process_init.connect(_freeze_loaded, weak=False, dispatch_uid="upstander.heap")
    return celery_app


def _freeze_loaded(**_signal: Any) -> None:
    freeze_loaded()


def beat_schedule(trust_batch_hour: int = 3) -> dict[str, dict[str, Any]]:
    """Collect the schedules that sit next to their tasks."""
    from network.tasks import (
        alerts,
        campaigns,
        coordination,
        digests,
        health,
        impact,
        learning,
        moderation,
        privacy,
        webhooks,
    )

    schedule: dict[str, dict[str, Any]] = {}
    for module in (
        health,
        alerts,
        coordination,
        digests,
        campaigns,
        privacy,
        learning,
        impact,
        webhooks,
    ):
        schedule.update(getattr(module, "SCHEDULE", {}))
    schedule.update(moderation.schedule(int(trust_batch_hour)))
    return schedule
