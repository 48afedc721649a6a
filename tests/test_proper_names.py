"""Pages name platforms as they spell themselves and languages by their own names, in English and
Dutch; no page shows a stored code ("tiktok", "content_removed", "TR") where a name belongs."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.accounts.models import Member
from network.extensions import db
from network.vocabulary import LANGUAGE_NAMES, PLATFORM_NAMES, language_name, platform_label
from tests.world import World, browser_of, fill, rules_of, world

__all__ = ["world"]

MISSPELLED = re.compile(r"\b(?:Tiktok|TIKTOK|Youtube|YOUTUBE|Linkedin|Whatsapp)\b")
PLATFORM_CODES = re.compile(
    r"\b(?:tiktok|youtube|instagram|facebook|reddit|snapchat|discord|twitch)\b"
)
# How the codes were shown ("TR"); in small letters they are Dutch words ("de", "en").
LANGUAGE_CODES = re.compile(r"(?<![\w.#/-])(?:NL|EN|DE|FR|TR|AR|PL|ES)(?![\w.-])")
# Stored codes are snake_case ("content_removed"); an API token's prefix ("upn_…") is meant to be
# shown as it is.
SNAKE_CASE = re.compile(r"\b(?!upn_)[a-z]+(?:_[a-z]+)+\b")
# Text that is a link or an address (a thread's URL, a site name), not a name.
ADDRESSES = re.compile(r"\S*(?:://|www\.|@|\.(?:com|nl|be|org|tv|gg|be)\b)\S*")


class VisibleText(HTMLParser):
    """Collect the text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return ADDRESSES.sub(" ", " ".join(parser.parts))


def pages(app: Flask, world: World) -> list[str]:
    return sorted(
        {
            fill(rule.rule, world)
            for method, rule in rules_of(app)
            if method == "GET"
            and not rule.rule.startswith(("/api/", "/socket.io", "/favicon"))
            and "progress" not in rule.rule
            and not rule.rule.endswith("/list")
            # The audit log's readable details are the moderation part of issue 11.
            and rule.rule != "/review/audit"
        }
    )


def test_the_one_table_spells_every_platform_and_language() -> None:
    assert [platform_label(code) for code in ("tiktok", "youtube", "x")] == [
        "TikTok",
        "YouTube",
        "X",
    ]
    assert language_name("tr") == "Türkçe" and language_name("AR") == "العربية"
    assert set(LANGUAGE_NAMES) == {"nl", "en", "de", "fr", "tr", "ar", "pl", "es"}
    assert "Tiktok" not in PLATFORM_NAMES.values()


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_no_page_shows_a_misspelled_platform_or_a_raw_code(
    app: Flask, world: World, api_as: Any, locale: str
) -> None:
    with app.app_context():
        db.session.execute(sa.update(Member).values(locale=locale))
        db.session.commit()
    reporter = world.members["reporter"]
    for url in (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.reddit.com/r/example/comments/abc123/title/",
        "https://x.com/someone/status/123456",
    ):
        posted = api_as(
            reporter,
            "POST",
            "/api/v1/alerts",
            json={
                "url": url,
                "category": "hate",
                "severity": 2,
                "summary": "Comments mocking a boy for his accent.",
                "language": "tr",
            },
        )
        assert posted.status_code == 201, posted.get_data(as_text=True)
    resolved = api_as(
        reporter,
        "POST",
        f"/api/v1/alerts/{world.ids['alert_id']}/resolve",
        json={"outcome": "content_removed"},
    )
    assert resolved.status_code == 200, resolved.get_data(as_text=True)
    problems: list[str] = []
    seen = ""
    for role in ("visitor", "trust2", "organiser"):
        browser = browser_of(app, world, role)
        for path in pages(app, world):
            answer = browser.get(path, headers={"Accept-Language": locale})
            if answer.status_code != 200 or answer.mimetype != "text/html":
                continue
            text = visible_text(answer.get_data(as_text=True))
            seen += text
            for pattern in (MISSPELLED, PLATFORM_CODES, LANGUAGE_CODES, SNAKE_CASE):
                for found in pattern.findall(text):
                    problems.append(f"{role} {path}: {found!r}")
    assert not problems, "\n".join(sorted(set(problems)))
    removed = "De inhoud is verwijderd" if locale == "nl" else "The content was removed"
    for name in ("TikTok", "YouTube", "Reddit", "Türkçe", "Nederlands", "Deutsch", removed):
        assert name in seen, f"{name} shown nowhere"
