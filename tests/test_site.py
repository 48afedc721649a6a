"""The app's Flask class keeps Flask's answer to "is this a coroutine function?" per function."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from flask import Flask

from network import Site


def plain() -> str:
    return "plain"


async def waiting() -> str:
    return "waited"


class Unhashable:
    __hash__ = None  # type: ignore[assignment]

    def __call__(self) -> str:
        return "called"


@pytest.mark.parametrize(
    "func", [plain, partial(plain), Unhashable()], ids=["def", "partial", "unhashable"]
)
def test_plain_functions_are_run_as_they_are(func: Any) -> None:
    site = Site(__name__)
    assert site.ensure_sync(func) is func
    assert site.ensure_sync(func) is func
    assert site.ensure_sync(func)() == Flask(__name__).ensure_sync(func)()


def test_a_coroutine_function_is_still_made_synchronous_every_time_asked() -> None:
    site = Site(__name__)
    try:
        made = site.ensure_sync(waiting)
    except RuntimeError as error:  # Flask without its async extra refuses, as Flask itself does
        with pytest.raises(RuntimeError, match=str(error)[:20]):
            Flask(__name__).ensure_sync(waiting)
        return
    assert made is not waiting
    assert made() == "waited"
    assert site.ensure_sync(waiting)() == "waited"


def test_the_app_is_built_on_it(app: Flask) -> None:
    assert isinstance(app, Site)
