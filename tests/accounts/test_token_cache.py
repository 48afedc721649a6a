"""The token cache: each process remembers the member behind a token, and forgets it as soon as
PostgreSQL says the member or the token changed (network/accounts/token_cache.py)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from network.accounts.models import AccessToken, Member
from network.accounts.token_cache import TokenCache, start_listening
from network.accounts.tokens import token_digest
from network.extensions import activate, db
from tests.conftest import service_missing
from tests.harness import member_with_token, standalone_app, wait_until

pytestmark = [pytest.mark.live, pytest.mark.postgres]


def _url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        service_missing("PostgreSQL (TEST_DATABASE_URL)")
    assert url is not None
    return url


@pytest.fixture
def cached_app(tmp_path: Path) -> Iterator[Flask]:
    name = f"token-cache-{secrets.token_hex(4)}"
    named = sa.engine.make_url(_url()).update_query_dict({"application_name": name})
    app = standalone_app(
        tmp_path / "pg",
        database_url=named.render_as_string(hide_password=False),
        TOKEN_CACHE_SECONDS=60,
    )
    app.config["CACHE_TEST_NAME"] = name
    activate(app)
    yield app
    cache(app).stop()


def cache(app: Flask) -> TokenCache:
    found: TokenCache = app.extensions["token_cache"]
    return found


class TokenStatements:
    """Counts the statements that look a token up (those naming access_token)."""

    def __init__(self, app: Flask) -> None:
        self.count = 0
        sa.event.listen(db.engine_for(app), "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "access_token" in statement:
            self.count += 1


def me(app: Flask, token: str) -> tuple[int, Any]:
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.get_json()


def listening(app: Flask, token: str) -> None:
    """Make a first request (it starts the listener), then wait until the listener listens."""
    assert me(app, token)[0] == 200
    wait_until(lambda: cache(app).listening, timeout=10, what="the token cache to listen")


def member_id(app: Flask, token: str) -> int:
    with app.app_context():
        found = db.session.scalar(
            sa.select(Member.id).where(Member.tokens.any(token_hash=token_digest(token)))
        )
        db.session.remove()
    assert found is not None
    return int(found)


def execute(sql: str, *parameters: Any) -> None:
    """Change the database from another connection, as another process would."""
    url = sa.engine.make_url(_url()).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql, parameters)


def test_a_token_is_looked_up_once_and_then_answered_from_memory(cached_app: Flask) -> None:
    token = member_with_token(cached_app, display_name="Remembered")
    listening(cached_app, token)
    statements = TokenStatements(cached_app)
    assert me(cached_app, token)[0] == 200  # loaded (the one before came before listening)
    assert statements.count == 1
    for _ in range(5):
        status, body = me(cached_app, token)
        assert (status, body["display_name"]) == (200, "Remembered")
    assert statements.count == 1
    # A token nobody owns is asked about every time, never remembered.
    for _ in range(3):
        assert me(cached_app, "upn_" + secrets.token_urlsafe(32))[0] == 401
    assert statements.count == 4


CHANGES = {
    "token revoked": "UPDATE access_token SET revoked_at = now() WHERE member_id = %s",
    "token deleted": "DELETE FROM access_token WHERE member_id = %s",
    "member suspended": "UPDATE member SET status = 'suspended' WHERE id = %s",
    "member deleted": "DELETE FROM member WHERE id = %s",
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_made_elsewhere_refuses_the_token_at_once(cached_app: Flask, change: str) -> None:
    token = member_with_token(cached_app)
    listening(cached_app, token)
    assert me(cached_app, token)[0] == 200
    assert me(cached_app, token)[0] == 200  # from memory
    assert len(cache(cached_app)) == 1
    execute(CHANGES[change], member_id(cached_app, token))
    # The notice arrives within milliseconds; the entry lives 60 s without it.
    wait_until(lambda: me(cached_app, token)[0] == 401, timeout=5, what=f"401 after {change}")


def test_a_member_changed_elsewhere_is_seen_anew_and_others_stay_remembered(
    cached_app: Flask,
) -> None:
    token, other = member_with_token(cached_app), member_with_token(cached_app, display_name="Kept")
    listening(cached_app, token)
    for each in (token, other):
        assert me(cached_app, each)[0] == 200
    statements = TokenStatements(cached_app)
    execute(
        "UPDATE member SET display_name = 'Renamed' WHERE id = %s", member_id(cached_app, token)
    )
    wait_until(lambda: me(cached_app, token)[1]["display_name"] == "Renamed", timeout=5)
    looked_up = statements.count
    assert looked_up >= 1
    assert me(cached_app, other)[1]["display_name"] == "Kept"
    assert me(cached_app, token)[1]["display_name"] == "Renamed"
    assert statements.count == looked_up  # both from memory again


def test_revoking_through_the_api_refuses_the_token(cached_app: Flask) -> None:
    token = member_with_token(cached_app)
    listening(cached_app, token)
    client = cached_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    with cached_app.app_context():
        token_id = db.session.scalar(
            sa.select(AccessToken.id).where(AccessToken.token_hash == token_digest(token))
        )
        db.session.remove()
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 204
    wait_until(lambda: me(cached_app, token)[0] == 401, timeout=5, what="401 after revoking")


def test_a_remembered_member_changes_its_profile_through_the_api(cached_app: Flask) -> None:
    token = member_with_token(cached_app, display_name="Before")
    listening(cached_app, token)
    assert me(cached_app, token)[0] == 200
    statements = TokenStatements(cached_app)
    changed = cached_app.test_client().patch(
        "/api/v1/me",
        json={"display_name": "After", "asks_per_week": 5},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert changed.status_code == 200, changed.get_json()
    assert statements.count == 0  # the member came from memory, and was written all the same
    with cached_app.app_context():
        stored = db.session.scalar(sa.select(Member).where(Member.display_name == "After"))
        assert stored is not None and stored.asks_per_week == 5
        db.session.remove()
    wait_until(lambda: me(cached_app, token)[1]["display_name"] == "After", timeout=5)


def test_an_emptied_table_forgets_everyone(cached_app: Flask) -> None:
    token = member_with_token(cached_app)
    listening(cached_app, token)
    assert me(cached_app, token)[0] == 200
    assert len(cache(cached_app)) == 1
    execute("NOTIFY upstander_members, '*'")  # what the TRUNCATE triggers send
    wait_until(lambda: len(cache(cached_app)) == 0, timeout=5, what="the cache to be emptied")


def test_the_lost_listener_forgets_everything_and_listens_again(cached_app: Flask) -> None:
    token = member_with_token(cached_app)
    listening(cached_app, token)
    assert me(cached_app, token)[0] == 200
    assert len(cache(cached_app)) == 1
    name = f"{cached_app.config['CACHE_TEST_NAME']} token cache"
    execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", name
    )
    wait_until(lambda: not cache(cached_app).listening, timeout=10, what="the loss noticed")
    assert len(cache(cached_app)) == 0
    statements = TokenStatements(cached_app)
    assert me(cached_app, token)[0] == 200
    assert statements.count == 1  # loaded while the cache is out of the way
    wait_until(lambda: cache(cached_app).listening, timeout=10, what="listening again")
    assert me(cached_app, token)[0] == 200
    assert me(cached_app, token)[0] == 200
    assert statements.count == 2  # remembered again


def test_a_web_process_listens_from_its_start(cached_app: Flask) -> None:
    """gunicorn's post_worker_init starts the listener, before any request (gunicorn.conf.py)."""
    assert not cache(cached_app).listening
    start_listening(cached_app)
    wait_until(lambda: cache(cached_app).listening, timeout=10, what="listening before requests")
    token = member_with_token(cached_app)
    statements = TokenStatements(cached_app)
    for _ in range(3):
        assert me(cached_app, token)[0] == 200
    assert statements.count == 1  # the very first request's member is remembered
    start_listening(None)  # a worker without an app of ours (or without a cache): nothing
    start_listening(standalone_app(Path(cached_app.instance_path) / "lite"))


def test_nothing_is_remembered_without_a_listener(tmp_path: Path) -> None:
    app = standalone_app(tmp_path / "pg", database_url=_url(), TOKEN_CACHE_SECONDS=60)
    activate(app)
    broken = cache(app)

    def refuse() -> psycopg.Connection[Any]:
        raise psycopg.OperationalError("no notices today")

    broken._connect = refuse  # type: ignore[method-assign]
    try:
        token = member_with_token(app)
        statements = TokenStatements(app)
        for _ in range(4):
            assert me(app, token)[0] == 200
        assert statements.count == 4
        assert len(broken) == 0
    finally:
        broken.stop()


def test_a_load_that_overlaps_an_eviction_is_not_kept(cached_app: Flask) -> None:
    token = member_with_token(cached_app)
    listening(cached_app, token)
    the_cache = cache(cached_app)
    digest = token_digest("upn_" + secrets.token_urlsafe(16))
    loads = 0

    def load_during_a_change() -> Member | None:
        nonlocal loads
        loads += 1
        with cached_app.app_context():
            found = db.session.scalar(
                sa.select(Member).where(Member.tokens.any(token_hash=token_digest(token)))
            )
        # The notice of a change of this member arrives while the load is under way.
        the_cache.forget(str(found.id if found else 0))
        return found

    with cached_app.test_request_context():
        for _ in range(2):
            assert the_cache.member(db.session(), digest, load_during_a_change) is not None
        db.session.remove()
    assert loads == 2
    assert len(the_cache) == 0


def test_each_request_gets_its_own_lists_and_no_password_hash(cached_app: Flask) -> None:
    token = member_with_token(cached_app)
    listening(cached_app, token)
    assert me(cached_app, token)[0] == 200
    the_cache = cache(cached_app)
    digest = token_digest(token)
    with cached_app.test_request_context():
        first = the_cache.member(db.session(), digest, lambda: None)
        assert first is not None
        first.platforms.append("changed in one request")
        db.session.remove()
    with cached_app.test_request_context():
        second = the_cache.member(db.session(), digest, lambda: None)
        assert second is not None and "changed in one request" not in second.platforms
        assert second not in db.session.dirty
        # The password's hash is not kept: asked for, it is loaded.
        assert all("password_hash" not in entry.values for entry in the_cache._entries.values())
        assert "password_hash" not in second.__dict__
        assert second.password_hash.startswith("$argon2id$")
        db.session.remove()


def test_entries_expire(tmp_path: Path) -> None:
    app = standalone_app(tmp_path / "pg", database_url=_url(), TOKEN_CACHE_SECONDS=1)
    activate(app)
    try:
        token = member_with_token(app)
        listening(app, token)
        statements = TokenStatements(app)
        assert me(app, token)[0] == 200
        assert me(app, token)[0] == 200
        assert statements.count == 1
        wait_until(
            lambda: me(app, token)[0] == 200 and statements.count == 2,
            timeout=5,
            what="the entry to expire and the member to be loaded again",
        )
    finally:
        cache(app).stop()


def test_sqlite_and_a_lifetime_of_zero_have_no_cache(tmp_path: Path) -> None:
    assert "token_cache" not in standalone_app(tmp_path / "lite", TOKEN_CACHE_SECONDS=60).extensions
    off = standalone_app(tmp_path / "pg", database_url=_url(), migrate=False)
    assert "token_cache" not in off.extensions


@pytest.mark.parametrize("seconds", [-1, -60])
def test_a_negative_lifetime_is_refused(tmp_path: Path, seconds: int) -> None:
    with pytest.raises(ValueError, match="TOKEN_CACHE_SECONDS"):
        standalone_app(tmp_path / "lite", TOKEN_CACHE_SECONDS=seconds)
