"""The zero-service mode: a Celery worker and beat running as threads of the web process."""

from __future__ import annotations

import threading

from celery import Celery
from celery.beat import EmbeddedService
from celery.worker import WorkController


def start(celery_app: Celery) -> list[threading.Thread]:
    """Start a worker and beat inside this process on the in-memory broker."""
    worker = WorkController(
        app=celery_app,
        pool_cls="threads",
        concurrency=2,
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
        loglevel="INFO",
    )
    worker_thread = threading.Thread(target=worker.start, name="celery-worker", daemon=True)
    worker_thread.start()
    beat = EmbeddedService(celery_app, thread=True)
    beat.start()
    return [worker_thread, beat]
