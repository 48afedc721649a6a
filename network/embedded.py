"""The zero-service mode: a Celery worker and beat running as threads of the web process."""

from __future__ import annotations

import threading

from celery import Celery
from celery.beat import EmbeddedService
from celery.worker import WorkController


class WorkerThread(threading.Thread):
    """The embedded worker; stop() shuts it down warm, like beat's thread."""

    def __init__(self, worker: WorkController) -> None:
        super().__init__(target=worker.start, name="celery-worker", daemon=True)
        self.worker = worker

    def stop(self) -> None:
        self.worker.stop()


def start(celery_app: Celery, schedule_filename: str | None = None) -> list[threading.Thread]:
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
    worker_thread = WorkerThread(worker)
    worker_thread.start()
    # Beat keeps its state in a file; the default is relative to the working directory.
    beat = EmbeddedService(celery_app, thread=True, schedule_filename=schedule_filename)
    beat.start()
    return [worker_thread, beat]
