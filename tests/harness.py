"""Real things for tests that leave the in-process client: apps of their own, worker processes
and a live HTTP server.

Everything here waits by bounded polling (`wait_until`), never by sleeping and hoping.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from flask import Flask
from werkzeug.serving import make_server

from network import create_app
from network.accounts import services as accounts
from network.extensions import db
from tests.conftest import PASSWORD, test_config

T = TypeVar("T")
UPSTANDER = Path(sys.executable).with_name("upstander")
# Settings a developer's shell may hold that must not leak into a command under test.
CONFIGURATION = (
    "DATABASE_URL",
    "REDIS_URL",
    "SOCKETIO_MESSAGE_QUEUE",
    "CELERY_EMBEDDED",
    "RATELIMIT_STORAGE_URI",
    "SITE_URL",
)


def wait_until(
    probe: Callable[[], T],
    *,
    timeout: float = 20.0,
    interval: float = 0.05,
    what: str | Callable[[], str] = "the condition",
) -> T:
    """Call `probe` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            description = what() if callable(what) else what
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {description}")
        time.sleep(interval)


def wait_for_redelivery(queue: Any, visibility: float) -> None:
    """Wait until Redis would hand the job a killed worker left unacknowledged to another
    worker: `visibility` seconds after it was handed out (`queue`: a redis client)."""
    handed_out = max(score for _tag, score in queue.zrange("unacked_index", 0, -1, withscores=True))
    wait_until(lambda: time.time() > handed_out + visibility + 0.5, what="the visibility timeout")


# How often a test's HTTP server looks whether it should stop (socketserver's default: 0.5 s,
# which every test that stops one would wait).
SHUTDOWN_POLL = 0.05


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on (we just released it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def add_member(
    app: Flask, email: str | None = None, *, display_name: str | None = None, trust_level: int = 0
) -> str:
    """Create an active member straight through the service, past the limits that guard the
    doors (a fresh address unless given, named after it unless named); return the address."""
    email = email or f"{uuid.uuid4().hex[:10]}@example.org"
    with app.test_request_context():
        member = accounts.sign_up(
            email=email,
            password=PASSWORD,
            display_name=display_name or email.split("@")[0],
            locale="en",
            time_zone="Europe/Amsterdam",
            pledge_accepted=True,
        )
        member.trust_level = trust_level
        db.session.commit()
    return email


def member_with_token(
    app: Flask, email: str | None = None, *, display_name: str | None = None, trust_level: int = 0
) -> str:
    """Create a member as add_member does, and a personal access token; return its secret."""
    email = add_member(app, email, display_name=display_name, trust_level=trust_level)
    with app.test_request_context():
        _token, secret = accounts.create_token(email=email, password=PASSWORD, name="test")
    return secret


def standalone_app(
    instance: Path, *, database_url: str | None = None, migrate: bool = True, **extra: Any
) -> Flask:
    """Build an app with a database of its own (new SQLite file unless given), migrated."""
    from flask_migrate import upgrade

    instance.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{instance / 'network.db'}"
    app = create_app(test_config(url, instance, **extra))
    if migrate:
        with app.app_context():
            upgrade()
    return app


@dataclass
class CommandProcess:
    """A running `upstander` command and its combined stdout/stderr."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 20.0) -> str:
        """Wait until `text` appears in the log; fail at once if the process died."""

        def appeared() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the process exited with {self.process.returncode}:\n{self.log()}"
                )
            return text in self.log()

        wait_until(appeared, timeout=timeout, what=lambda: f"{text!r} in:\n{self.log()}")
        return self.log()

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then kill if it does not finish in time."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@contextmanager
def upstander(
    instance: Path, *arguments: str, cwd: Path | None = None, **environment: str
) -> Iterator[CommandProcess]:
    """Run `upstander <arguments>` as operators do, configured by environment; stop it after."""
    instance.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SECRET_KEY": "command-test-secret-key-that-is-long-enough",
        "INSTANCE_PATH": str(instance),
        "PYTHONUNBUFFERED": "1",
        **environment,
    }
    for inherited in CONFIGURATION:
        if inherited not in environment:
            env.pop(inherited, None)
    log_path = instance / f"{arguments[0]}.log"
    with log_path.open("wb") as log:
        # By default the working directory is the instance: nothing lands in the checkout.
        process = subprocess.Popen(
            [str(UPSTANDER), *arguments],
            env=env,
            cwd=cwd or instance,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = CommandProcess(process, log_path)
    try:
        yield running
    finally:
        running.stop()


WORKER_PROCESS_MARKS = (
    pytest.mark.live,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.usefixtures("on_postgresql"),
)


def with_worker_processes(test: T) -> T:
    """Mark a test that runs real worker processes: live, on Redis and PostgreSQL only (the
    `on_postgresql` fixture skips it on SQLite)."""
    for mark in WORKER_PROCESS_MARKS:
        test = cast(T, mark(test))
    return test


@contextmanager
def worker_process(
    instance: Path, *, database_url: str, redis_url: str, **environment: str
) -> Iterator[CommandProcess]:
    """Run a real Celery worker process (`upstander worker`) on Redis; `environment` adds
    settings (SMTP_HOST, BROKER_VISIBILITY_TIMEOUT, ...)."""
    with upstander(
        instance,
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--loglevel=INFO",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        **environment,
    ) as worker:
        yield worker


@contextmanager
def live_server(app: Flask, port: int) -> Iterator[str]:
    """Serve `app` over real HTTP on 127.0.0.1:`port` in a background thread; yield its origin."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    # shutdown() waits for the loop to look at its flag: every 50 ms, not every half second.
    thread = threading.Thread(
        target=server.serve_forever, args=(SHUTDOWN_POLL,), name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        db.engine_for(app).dispose()


def request_json(
    origin: str,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    timeout: float = 60,
) -> tuple[int, Any]:
    """Send JSON over real HTTP (with a bearer token if given); return the status and the decoded
    answer (an HTML error page as text). The one JSON-over-HTTP helper of the tests."""
    import json
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        origin + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    try:
        return status, json.loads(answer or b"{}")
    except ValueError:
        return status, answer.decode(errors="replace")


def post_json(origin: str, path: str, token: str, body: dict[str, Any]) -> tuple[int, Any]:
    """POST JSON with a bearer token over real HTTP; return the status and the decoded answer."""
    return request_json(origin, "POST", path, body, token)


@contextmanager
def embedded_worker(app: Flask, directory: Path) -> Iterator[None]:
    """Run the app's embedded Celery worker and beat (threads, in-memory broker, as `make run`)
    while the block runs; drop what earlier tests queued without a worker first."""
    from celery._state import _set_task_join_will_block

    from network import embedded

    celery_app = app.extensions["celery"]
    # The in-memory broker is one per process: drop what earlier tests queued without a worker.
    celery_app.control.purge()
    threads = embedded.start(celery_app, schedule_filename=str(directory / "beat-schedule"))
    try:
        yield
    finally:
        for thread in threads:
            thread.stop()  # type: ignore[attr-defined]
        for thread in threads:
            thread.join(timeout=10)
        # A worker's pool marks the process as one where waiting on results would block; the
        # worker is gone, so later tests may wait on their own tasks' results again.
        _set_task_join_will_block(False)
