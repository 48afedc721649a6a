"""Rate limits kept in Redis hold across web processes, not per process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.harness import standalone_app

pytestmark = pytest.mark.redis


def sign_up(number: int) -> dict[str, object]:
    return {
        "email": f"visitor{number}@example.org",
        "password": "stand up for each other",
        "display_name": f"Visitor {number}",
        "pledge_accepted": True,
    }


@pytest.fixture
def memory_limiter_afterwards(tmp_path: Path) -> Iterator[None]:
    yield
    # The limiter is one object per process and every create_app() rebinds its storage:
    # leave it on memory storage, as the other tests expect, not on this test's Redis.
    standalone_app(tmp_path / "afterwards", migrate=False)


@pytest.mark.usefixtures("memory_limiter_afterwards")
def test_sign_up_limit_holds_across_two_apps_sharing_redis(tmp_path: Path, redis_url: str) -> None:
    first = standalone_app(tmp_path / "first", RATELIMIT_STORAGE_URI=redis_url)
    for number in range(5):
        response = first.test_client().post("/api/v1/members", json=sign_up(number))
        assert response.status_code == 202, response.get_data(as_text=True)

    # Built after the five sign-ups on purpose: creating an app gives the limiter fresh storage,
    # so the sixth request is refused only if the count really lives in Redis.
    second = standalone_app(
        tmp_path / "second",
        database_url=first.config["DATABASE_URL"],
        RATELIMIT_STORAGE_URI=redis_url,
    )
    response = second.test_client().post("/api/v1/members", json=sign_up(5))

    assert response.status_code == 429
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "rate_limited"
    assert body["error"]["message"]
    assert body["error"]["fields"] == {}
    assert 0 < int(response.headers["Retry-After"]) <= 30 * 60
    client = redis.Redis.from_url(redis_url)
    try:
        assert any(b"signup" in key for key in client.keys("*")), "the count is kept in Redis"
    finally:
        client.close()
