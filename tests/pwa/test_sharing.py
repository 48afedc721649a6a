"""Finding the thread's link in what a share sheet or the bookmarklet hands over."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from network.alerts.urls import MAX_LENGTH
from network.pwa.sharing import first_web_url


@pytest.mark.parametrize(
    ("url", "text", "title", "found"),
    [
        ("https://x.com/a/status/1", None, None, "https://x.com/a/status/1"),
        (
            None,
            "Look https://www.instagram.com/p/abc/ via app",
            None,
            "https://www.instagram.com/p/abc/",
        ),
        (None, None, "https://reddit.com/r/x/comments/1/", "https://reddit.com/r/x/comments/1/"),
        # The shared url comes first, then the text, then the title.
        (
            "https://a.example/1",
            "https://b.example/2",
            "https://c.example/3",
            "https://a.example/1",
        ),
        ("not a link", "see https://b.example/2", None, "https://b.example/2"),
        # Sentence punctuation and brackets around a link are not part of it.
        (None, "Awful (https://t.example/v/1).", None, "https://t.example/v/1"),
        (None, "Look: https://t.example/v/1!", None, "https://t.example/v/1"),
        (None, "“https://t.example/v/1”", None, "https://t.example/v/1"),
        (
            None,
            "https://en.wikipedia.org/wiki/Bystander_(effect)",
            None,
            "https://en.wikipedia.org/wiki/Bystander_(effect)",
        ),
        (None, "HTTPS://X.COM/a/status/2", None, "HTTPS://X.COM/a/status/2"),
        (
            None,
            "http://example.org/page?x=1&y=2#frag",
            None,
            "http://example.org/page?x=1&y=2#frag",
        ),
        # Other schemes and links without a host are not threads.
        ("javascript:alert(1)", "ftp://files.example/x", "mailto:a@b.example", None),
        (None, "https:// nothing here", None, None),
        # Invisible characters end a link: they are no part of an address.
        (None, "https://t.example/a\u202eb", None, "https://t.example/a"),
        (None, "https://t.example/a\x00b", None, "https://t.example/a"),
        (None, "http://[::1", None, None),
        (None, None, None, None),
        ("", "", "", None),
        (None, "https://t.example/" + "a" * MAX_LENGTH, None, None),
    ],
)
def test_first_web_url_finds_the_thread_link(
    url: str | None, text: str | None, title: str | None, found: str | None
) -> None:
    assert first_web_url(url, text, title) == found


@given(st.text(), st.text(), st.text())
def test_first_web_url_returns_an_http_url_from_the_input_or_none(
    url: str, text: str, title: str
) -> None:
    found = first_web_url(url, text, title)
    if found is not None:
        assert found.lower().startswith(("http://", "https://"))
        assert found in url or found in text or found in title
        assert all(character.isprintable() and not character.isspace() for character in found)
        assert len(found) <= MAX_LENGTH


@given(
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z0-9]{1,20}\.(org|com|nl)", fullmatch=True),
    st.from_regex(r"(/[A-Za-z0-9_\-]{0,12}){0,4}", fullmatch=True),
    st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=40),
)
def test_a_link_in_running_text_is_found_whole(
    scheme: str, host: str, path: str, words: str
) -> None:
    link = f"{scheme}://{host}{path}"
    assert first_web_url(None, f"{words} {link} {words}", None) == link
