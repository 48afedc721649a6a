"""The members behind access tokens, remembered by each web process between requests.

Every API request names its token, and looking its member up cost a round trip to PostgreSQL
and an ORM load: a fifth of the CPU of a claim the rules refuse, a sixth of a post's
(docs/performance.md). A process now keeps, per token digest, the member's columns as it last
loaded them, and forgets a member's entries as soon as PostgreSQL says the member or one of its
tokens changed: triggers on `member` and `access_token` (migration 0020) send the member's id on
the channel `upstander_members` when a row is updated or deleted, at the commit, and `*` when a
table is truncated; each process listens on a connection of its own, outside the pool.

What it guarantees:
- Nothing is remembered or answered from memory unless the listening connection is up; when it
  is lost everything is forgotten, and the cache stays out of the way until it listens again.
- A load that overlapped an eviction is not kept (it may have read the row before the change).
- A token revoked, a member suspended or changed is refused or seen anew by every process once
  the notice arrives: within milliseconds of the commit. Every entry also expires after
  TOKEN_CACHE_SECONDS, the bound should a notice never arrive on a connection that looks alive.
- Tokens that match nobody are never remembered (nor are new tokens missed: an insert changes
  nothing remembered).

PostgreSQL only (SQLite has no notices: there the member is loaded every time), and off with
TOKEN_CACHE_SECONDS=0.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from network.accounts.models import Member
from network.db import as_loaded

log = logging.getLogger(__name__)

CHANNEL = "upstander_members"
EVERYONE = "*"
# An entry per token digest; past this many, the expired ones go, then all if none had.
MAX_ENTRIES = 20_000
# How long the listener waits for a notice before it checks its connection is still alive.
HEALTH_SECONDS = 5.0
# After a failure the listener tries again after a second, then twice as long each time.
RETRY_SECONDS = 1.0
RETRY_MOST_SECONDS = 30.0
# Every column but the password's hash: no token request needs it, so no process keeps it (a
# member made from memory loads it, should anything ask).
_COLUMNS = tuple(
    attribute.key
    for attribute in sa.inspect(Member).column_attrs
    if attribute.key != "password_hash"
)


def _own(value: Any) -> Any:
    """A copy of a mutable column value (the JSON lists), the value itself otherwise."""
    return copy.deepcopy(value) if isinstance(value, list | dict) else value


@dataclass(frozen=True)
class _Entry:
    member_id: int
    values: dict[str, Any]
    expires: float


class TokenCache:
    """Members by token digest for one process, kept true by PostgreSQL's notices."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], seconds: int) -> None:
        self._connect = connect
        self.seconds = seconds
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        # Bumped by every eviction: a load is kept only if none happened while it ran.
        self._evictions = 0
        self._listening = False
        self._pid: int | None = None
        self._stopped = threading.Event()

    # --- lookups -------------------------------------------------------------------------------

    def member(
        self, session: Session, digest: str, load: Callable[[], Member | None]
    ) -> Member | None:
        """Return the member of a token digest, from memory or by `load` (which is then kept)."""
        self._ensure_listening()
        now = time.monotonic()
        entry = self._entries.get(digest)
        if entry is not None and self._listening and entry.expires > now:
            return self._attached(session, entry)
        listening, evictions = self._listening, self._evictions
        member = load()
        loaded = member.__dict__ if member is not None else {}
        if member is not None and listening and all(name in loaded for name in _COLUMNS):
            values = {name: _own(loaded[name]) for name in _COLUMNS}
            with self._lock:
                if self._listening and self._evictions == evictions:
                    self._make_room(now)
                    self._entries[digest] = _Entry(member.id, values, now + self.seconds)
        return member

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def listening(self) -> bool:
        return self._listening

    @staticmethod
    def _attached(session: Session, entry: _Entry) -> Member:
        """The member as this request's session holds it: already there, or made from the
        entry's columns and added as loaded, without a statement. The columns go in as a load
        puts them (into the instance's dict; its history then starts from them), each list a
        copy of its own, so that a request that changes one changes only its member."""
        key = identity_key(Member, entry.member_id)
        held = session.identity_map.get(key)
        if held is not None:
            member: Member = held
            return member
        member = as_loaded(Member, ((name, _own(value)) for name, value in entry.values.items()))
        make_transient_to_detached(member)
        session.add(member)
        return member

    def _make_room(self, now: float) -> None:
        if len(self._entries) < MAX_ENTRIES:
            return
        for digest, entry in list(self._entries.items()):
            if entry.expires <= now:
                del self._entries[digest]
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()

    # --- evictions -----------------------------------------------------------------------------

    def forget(self, payload: str) -> None:
        """Forget a member's entries (its id, as the triggers send it), or everyone's (`*`)."""
        with self._lock:
            self._evictions += 1
            if payload == EVERYONE or not payload.isdigit():
                self._entries.clear()
                return
            member_id = int(payload)
            for digest, entry in list(self._entries.items()):
                if entry.member_id == member_id:
                    del self._entries[digest]

    def _lost(self) -> None:
        with self._lock:
            self._listening = False
            self._evictions += 1
            self._entries.clear()

    # --- the listener --------------------------------------------------------------------------

    def start(self) -> None:
        """Listen in this process from now on (a web process, once forked; else at first use)."""
        self._ensure_listening()

    def _ensure_listening(self) -> None:
        """Start the listener in this process (again after a fork: threads do not survive it)."""
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            self._pid = pid
            self._listening = False
            self._entries.clear()
        threading.Thread(target=self._listen, name="token-cache", daemon=True).start()

    def _listen(self) -> None:
        retry = RETRY_SECONDS
        while not self._stopped.is_set():
            try:
                with self._connect() as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    with self._lock:
                        self._entries.clear()  # notices may have been missed while not listening
                        self._evictions += 1
                        self._listening = True
                    retry = RETRY_SECONDS
                    self._follow(connection)
            except Exception:
                if not self._stopped.is_set():
                    log.warning(
                        "token cache: listening failed; members are loaded meanwhile",
                        exc_info=True,
                    )
            finally:
                self._lost()
            self._stopped.wait(retry)
            retry = min(retry * 2, RETRY_MOST_SECONDS)

    def _follow(self, connection: psycopg.Connection[Any]) -> None:
        while not self._stopped.is_set():
            for notice in connection.notifies(timeout=HEALTH_SECONDS):
                self.forget(notice.payload)
            if not self._stopped.is_set():
                connection.execute("SELECT 1")  # still alive? (a dead link raises here)

    def stop(self) -> None:
        """Stop listening (tests; a process that ends needs nothing)."""
        self._stopped.set()  # the listener ends at its next notice or health check
        self._lost()


def start_listening(app: Any) -> None:
    """Start the token cache's listener of a Flask app, if it has a cache (gunicorn's
    post_worker_init: the worker's app, after the fork)."""
    extensions = getattr(app, "extensions", None)
    cache = extensions.get("token_cache") if isinstance(extensions, dict) else None
    if isinstance(cache, TokenCache):
        cache.start()


def for_engine(engine: sa.Engine, seconds: int) -> TokenCache | None:
    """A cache for this engine's database: PostgreSQL with a positive lifetime, else none."""
    if seconds <= 0 or engine.dialect.name != "postgresql":
        return None
    arguments, parameters = engine.dialect.create_connect_args(engine.url)
    parameters = {name: value for name, value in parameters.items() if name != "context"}
    # Named apart from the pool's connections (PostgreSQL keeps names to 63 bytes).
    name = f"{parameters.get('application_name') or 'upstander'} token cache"
    parameters["application_name"] = name[-63:]

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(*arguments, **parameters, autocommit=True)

    return TokenCache(connect, seconds)
