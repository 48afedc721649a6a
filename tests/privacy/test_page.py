"""The privacy page tells what is stored and why, for how long, who sees it, how to leave."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token_from

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "privacy" / "policy.html"


def test_privacy_page_answers_the_questions_people_ask(app: Flask, client: FlaskClient) -> None:
    response = client.get("/privacy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for heading in (
        "What we store and why",
        "How long we keep it",
        "Who can see it",
        "Download your data",
        "Delete your account",
    ):
        assert heading in html
    days = app.config["SUMMARY_RETENTION_DAYS"]
    assert f"deleted {days} days after the alert closes" in html
    assert "GET /api/v1/me/export" in html
    assert "never contain passwords, access tokens or alert summaries" in html


def test_every_page_links_to_it_in_the_footer(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">') :]
    assert 'href="/privacy"' in footer


def test_it_is_shown_in_dutch_too(client: FlaskClient) -> None:
    home = client.get("/").get_data(as_text=True)
    client.post("/language", data={"csrf_token": csrf_token_from(home), "locale": "nl"})
    response = client.get("/privacy")
    assert response.status_code == 200
    assert '<html lang="nl"' in response.get_data(as_text=True)


def test_every_text_on_the_page_is_translatable() -> None:
    # Between the tags there is only markup, template code or text inside _( ).
    source = re.sub(r"{{.*?}}|{%.*?%}", "", TEMPLATE.read_text(), flags=re.S)
    loose = [text.strip() for text in re.findall(r">([^<]+)<", source) if text.strip(" ·\n")]
    assert loose == []


def test_profile_and_delete_pages_point_to_it(
    client: FlaskClient, log_in: Callable[..., Any], create_member: Callable[..., Any]
) -> None:
    log_in(create_member())
    assert 'href="/privacy"' in client.get("/profile").get_data(as_text=True)
    assert 'href="/privacy#erase"' in client.get("/profile/delete").get_data(as_text=True)
