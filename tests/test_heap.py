"""Long-running processes keep what they loaded out of the garbage collector's full passes."""

from __future__ import annotations

import gc
import runpy
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.signals import worker_process_init
from flask import Flask

from network.heap import freeze_loaded

ROOT = Path(__file__).resolve().parent.parent


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Start and end with nothing frozen: the test process must collect as usual afterwards."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_what_is_alive_is_frozen_and_garbage_is_collected_first(unfrozen: None) -> None:
    kept = [Node() for _ in range(1_000)]
    # A cycle something still refers to when the process freezes.
    held, partner = Node(), Node()
    held.other, partner.other = partner, held
    still_there = weakref.ref(held)
    # A cycle nothing refers to: only the collector can free it, and never once frozen.
    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second

    frozen = freeze_loaded()

    assert gone() is None, "garbage was frozen instead of collected"
    assert frozen >= len(kept) + 2
    # Frozen objects are out of the collector's reach: once the held cycle is dropped, a full
    # collection leaves it alone. (Counts alone would race with other threads of the test
    # process, which free frozen objects of their own at any moment.)
    del held, partner
    gc.collect()
    assert still_there() is not None, "what was alive when the process froze was collected"


def test_gunicorn_web_workers_freeze_what_they_loaded(unfrozen: None) -> None:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    # gunicorn calls the hook once the worker has loaded the app, before it serves.
    settings["post_worker_init"](object())
    assert gc.get_freeze_count() > 0


def test_job_worker_processes_freeze_what_they_loaded(app: Flask, unfrozen: None) -> None:
    # Celery sends this in each pool process (and a solo worker) once the jobs are loaded.
    worker_process_init.send(sender="worker@test")
    assert gc.get_freeze_count() > 0


SETS_UP_A_FRESH_APP = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapper

from network import create_app

create_app({"DATABASE_URL": "sqlite:///%s", "SECRET_KEY": "k" * 40, "CELERY_EMBEDDED": False})
left = []
sa.event.listen(Mapper, "before_configured", lambda: left.append("mappers"))
sa.orm.configure_mappers()  # what the first request reading a row would do
print(left)
"""


def test_a_new_process_relates_its_mappers_when_it_builds_the_app(tmp_path: Path) -> None:
    # Not in its first request (tens of ms of it), and before the web process freezes what it
    # loaded: the mappers' set-up is part of what it loaded.
    script = SETS_UP_A_FRESH_APP % (tmp_path / "fresh.db")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stderr
