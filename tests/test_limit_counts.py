"""The one-round-trip fixed window counts exactly as Flask-Limiter's, on memory and on Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from limits import parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from network.limit_counts import OneTripFixedWindow

LIMIT = parse("2 per hour")
KEY = ("upstander", "member:1", "alert-post")


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def storage(request: pytest.FixtureRequest) -> Iterator[Storage]:
    if request.param == "memory":
        yield MemoryStorage()
    else:
        yield storage_from_string(request.getfixturevalue("redis_url"))


def count(storage: Storage) -> int:
    return FixedWindowRateLimiter(storage).get_window_stats(LIMIT, *KEY).remaining


def request_of(app: Flask, window: OneTripFixedWindow, counts: bool | None) -> bool:
    """One request: test (reserve) before the view, settle after it (None: it ended early)."""
    with app.test_request_context():
        allowed = window.test(LIMIT, *KEY)
        if counts is not None:
            window.settle(LIMIT, list(KEY), counts, 1)
        window.give_back_unsettled()
        return allowed


# (what each request's view does, whether each is let through, remaining afterwards)
SEQUENCES = [
    ([True], [True], 1),
    ([False], [True], 2),
    ([None], [True], 2),
    ([True, True, True], [True, True, False], 0),
    ([False, True, False, True, False], [True, True, True, True, False], 0),
    ([True, True, False], [True, True, False], 0),
]


@pytest.mark.parametrize(("views", "let_through", "remaining"), SEQUENCES)
def test_only_views_that_count_use_the_allowance(
    storage: Storage, views: list[bool | None], let_through: list[bool], remaining: int
) -> None:
    app, window = Flask(__name__), OneTripFixedWindow(storage)

    assert [request_of(app, window, counts) for counts in views] == let_through
    assert count(storage) == remaining


def test_concurrent_requests_cannot_both_take_the_last_unit(storage: Storage) -> None:
    app, window = Flask(__name__), OneTripFixedWindow(storage)
    request_of(app, window, True)

    # Two requests in flight at once: the second is tested while the first's view still runs.
    # (Another app, so the inner request gets its own context, as a second web worker would.)
    with app.test_request_context():
        assert window.test(LIMIT, *KEY)
        with Flask(__name__).test_request_context():
            assert not window.test(LIMIT, *KEY)
        window.settle(LIMIT, list(KEY), True, 1)

    assert count(storage) == 0


def test_headers_read_the_window_of_the_count_without_asking_again(storage: Storage) -> None:
    app, window = Flask(__name__), OneTripFixedWindow(storage)
    with app.test_request_context():
        assert window.hit(LIMIT, *KEY)
        mine = window.get_window_stats(LIMIT, *KEY)
    theirs = FixedWindowRateLimiter(storage).get_window_stats(LIMIT, *KEY)

    assert mine.remaining == theirs.remaining == 1
    assert abs(mine.reset_time - theirs.reset_time) <= 1
