"""Socket.IO runs on gevent only in a process gevent has patched, on threads everywhere else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from network.config import load

ROOT = Path(__file__).resolve().parent.parent


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    return {"SECRET_KEY": "async-mode-test-secret", "INSTANCE_PATH": str(tmp_path), **settings}


def mode_in_a_fresh_process(tmp_path: Path, prelude: str) -> str:
    """Load the settings with Redis configured in a new interpreter, after running `prelude`."""
    script = (
        f"{prelude}\n"
        "from network.config import load\n"
        f"env = {environment(tmp_path, REDIS_URL='redis://127.0.0.1:6379/0')!r}\n"
        "print(load(env=env)['SOCKETIO_ASYNC_MODE'])\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return finished.stdout.strip()


def test_an_explicit_async_mode_wins(tmp_path: Path) -> None:
    chosen = load(env=environment(tmp_path, SOCKETIO_ASYNC_MODE="eventlet"))
    assert chosen["SOCKETIO_ASYNC_MODE"] == "eventlet"


def test_an_unpatched_process_runs_socketio_on_threads_with_or_without_redis(
    tmp_path: Path,
) -> None:
    for settings in ({}, {"REDIS_URL": "redis://127.0.0.1:6379/0"}):
        assert load(env=environment(tmp_path, **settings))["SOCKETIO_ASYNC_MODE"] == "threading"


def test_gevent_merely_installed_or_imported_does_not_choose_gevent(tmp_path: Path) -> None:
    # `upstander serve` and Celery workers: gevent is importable but nothing patched sockets.
    assert mode_in_a_fresh_process(tmp_path, "import gevent, gevent.monkey") == "threading"


def test_a_process_gevent_patched_runs_socketio_on_gevent(tmp_path: Path) -> None:
    # What gunicorn's gevent worker does before it loads the app.
    patched = "from gevent import monkey; monkey.patch_all()"
    assert mode_in_a_fresh_process(tmp_path, patched) == "gevent"
