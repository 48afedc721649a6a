"""The job port: services queue background work by the job's name, without knowing the tasks.

Jobs are Celery tasks (network/tasks/); a service that needs one to run after its commit calls
`enqueue("network.notices.mail", notice_id)`. Like every task call, only JSON-able ids go in."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery
from flask import Flask, current_app, has_request_context, request

log = logging.getLogger(__name__)

# The jobs services may queue, by their task names (declared in network/tasks/).
MAIL_NOTICE = "network.notices.mail"
ANNOUNCE_CAMPAIGN_LAUNCH = "network.campaigns.announce_launch"
# Reach (network/tasks/reach.py): personal asks, pushes and group chat posts.
DELIVER_ASK = "network.reach.deliver_ask"
# Personal asks chosen once an alert went live (network/tasks/coordination.py).
ASK_MEMBERS = "network.coordination.ask_members"
PUSH_ALERT_LIVE = "network.reach.alert_live"
PUSH_REVIEW_WAITING = "network.reach.review_waiting"
PUSH_CAMPAIGN_LAUNCHED = "network.reach.campaign_launched"
PUSH_NOTICE = "network.reach.notice"
# Learning (network/tasks/learning.py): the push that asks what happened after an action.
PUSH_CHECK_IN = "network.learning.push_check_in"
# Webhooks (network/tasks/webhooks.py): one delivery to an organisation's endpoint.
DELIVER_WEBHOOK = "network.webhooks.deliver"


def enqueue(name: str, *args: Any, **kwargs: Any) -> None:
    """Queue the job `name` with these arguments; raises when the broker cannot take it."""
    celery: Celery = current_app.extensions["celery"]
    celery.send_task(name, args=args, kwargs=kwargs)


# Jobs that take a list of ids and may be gathered (see Gathering): one message for the items of
# requests that overlap, instead of one per request.
GATHER_SECONDS = 0.05  # the longest an item waits while other requests are still running
GATHER_MOST = 100  # items in one message at most
RUNNING_IN = "upstander.gathering"  # the WSGI environ key of the request's Gathering


class Gathering:
    """WSGI middleware of the app: items for list-taking jobs (`gather`) go out together.

    Queueing a Celery job costs a web process ~0.4 ms of CPU, about a tenth of a post. Under load
    requests overlap, so the items their commits queue are held here and sent as one job when the
    last request running in this process ends — or after GATHER_SECONDS, or at GATHER_MOST items,
    whichever comes first. A request that runs alone sends its item when it ends, as before.
    Anything outside the app's own requests (workers, commands, socket handlers) sends at once
    when none of them runs, else by the timer. Like any job queued after a commit, an item is
    lost if the process dies before it is sent (within GATHER_SECONDS)."""

    def __init__(self, app: Flask, wsgi_app: Any) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._lock = threading.Lock()
        self._running = 0
        self._held: dict[str, list[Any]] = {}
        self._timer: threading.Timer | None = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        with self._lock:
            self._running += 1
        environ[RUNNING_IN] = self
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            with self._lock:
                self._running -= 1
                last = self._running == 0 and bool(self._held)
            if last:
                self.flush()

    def add(self, name: str, item: Any) -> None:
        """Hold `item` for the job `name` while other requests run; else send it now."""
        with self._lock:
            self._held.setdefault(name, []).append(item)
            # No request is running here to end after this: send now.
            now = self._running == 0 or len(self._held[name]) >= GATHER_MOST
            # A request of ours running alone sends at its end; else the timer sends in time.
            mine = has_request_context() and request.environ.get(RUNNING_IN) is self
            wait = self._running > 1 or not mine
            if not now and wait and self._timer is None:
                self._timer = threading.Timer(GATHER_SECONDS, self.flush)
                self._timer.daemon = True
                self._timer.start()
        if now:
            self.flush()

    def flush(self) -> None:
        """Send every item held, one job per name; a broker outage is logged."""
        with self._lock:
            held, self._held = self._held, {}
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        celery: Celery = self.app.extensions["celery"]
        for name, items in held.items():
            for start in range(0, len(items), GATHER_MOST):
                try:
                    celery.send_task(name, args=(items[start : start + GATHER_MOST],))
                except Exception:  # a broker outage must not undo what was saved
                    log.exception("could not queue %s for %s", name, items)


def gather(name: str, item: Any) -> None:
    """Queue `item` for the job `name` (which takes a list), gathered with other requests' items."""
    gathering: Gathering | None = current_app.extensions.get("job_gathering")
    if gathering is None:
        enqueue(name, [item])
    else:
        gathering.add(name, item)


def init_app(app: Flask) -> None:
    """Gather list-taking jobs across this app's overlapping requests (see Gathering)."""
    gathering = Gathering(app, app.wsgi_app)
    app.wsgi_app = gathering  # type: ignore[method-assign]
    app.extensions["job_gathering"] = gathering
