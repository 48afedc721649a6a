"""The canonical URL: one form per thread, and nothing but http(s) ever accepted."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.provisional import urls

from network.alerts.urls import InvalidUrl, canonicalise
from network.vocabulary import Platform


@pytest.mark.parametrize(
    ("variant", "canonical", "platform"),
    [
        (
            "https://m.facebook.com/story.php?id=1&fbclid=abc#c",
            "https://facebook.com/story.php?id=1",
            Platform.FACEBOOK,
        ),
        (
            "http://twitter.com/someone/status/1?s=20&t=xyz",
            "https://x.com/someone/status/1",
            Platform.X,
        ),
        (
            "https://mobile.twitter.com/someone/status/1",
            "https://x.com/someone/status/1",
            Platform.X,
        ),
        (
            "https://youtu.be/abc123?si=track&t=42",
            "https://youtube.com/watch?v=abc123",
            Platform.YOUTUBE,
        ),
        (
            "https://m.youtube.com/watch?v=abc123&feature=share",
            "https://youtube.com/watch?v=abc123",
            Platform.YOUTUBE,
        ),
        (
            "HTTPS://WWW.Reddit.com/r/x/comments/1/",
            "https://reddit.com/r/x/comments/1",
            Platform.REDDIT,
        ),
        (
            "https://old.reddit.com/r/x/comments/1",
            "https://reddit.com/r/x/comments/1",
            Platform.REDDIT,
        ),
        (
            "https://www.instagram.com/p/C1/?igshid=abc&utm_source=ig",
            "https://instagram.com/p/C1",
            Platform.INSTAGRAM,
        ),
        (
            "https://www.tiktok.com/@user/video/7?is_from_webapp=1&sender_device=pc",
            "https://tiktok.com/@user/video/7",
            Platform.TIKTOK,
        ),
        (
            "https://discordapp.com/channels/1/2",
            "https://discord.com/channels/1/2",
            Platform.DISCORD,
        ),
        ("https://www.twitch.tv/someone/", "https://twitch.tv/someone", Platform.TWITCH),
        ("https://www.snapchat.com/add/x", "https://snapchat.com/add/x", Platform.SNAPCHAT),
        (
            "http://Forum.Example.org:80/t/1/?b=2&a=1&utm_medium=x",
            "http://forum.example.org/t/1?a=1&b=2",
            Platform.OTHER,
        ),
        ("https://example.org:8443/x", "https://example.org:8443/x", Platform.OTHER),
    ],
)
def test_variants_of_a_thread_fold_into_one_canonical_url(
    variant: str, canonical: str, platform: Platform
) -> None:
    result = canonicalise(variant)
    assert result.url == canonical
    assert result.platform == platform


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "scheme"),
        ("data:text/html,<script>", "scheme"),
        ("ftp://example.org/file", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("https://user:secret@example.org/", "credentials"),
        ("https://example.org/" + "a" * 2100, "too_long"),
        ("https://localhost/", "host"),
        ("https:///nohost", "host"),
        ("https://exa mple.org/", "whitespace"),
        ("", "empty"),
    ],
)
def test_unsafe_or_broken_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(InvalidUrl) as refused:
        canonicalise(url)
    assert str(refused.value) == reason


@given(urls())
def test_canonicalising_twice_changes_nothing(url: str) -> None:
    try:
        once = canonicalise(url)
    except InvalidUrl:
        return
    assert canonicalise(once.url) == once
    assert once.url.startswith(("http://", "https://"))
    assert "#" not in once.url


@given(st.text(min_size=1, max_size=80), st.text(max_size=80))
def test_canonicalising_arbitrary_text_is_idempotent_or_refused(host: str, path: str) -> None:
    for url in (f"https://{host}/{path}", f"http://{host}?{path}", host + path):
        try:
            once = canonicalise(url)
        except InvalidUrl:
            continue
        assert canonicalise(once.url) == once


@given(
    st.from_regex(r"[a-z][a-z0-9+.-]{0,10}", fullmatch=True).filter(
        lambda scheme: scheme not in {"http", "https"}
    ),
    st.text(max_size=60),
)
def test_no_other_scheme_is_ever_accepted(scheme: str, rest: str) -> None:
    for url in (f"{scheme}:{rest}", f"{scheme}://example.org/{rest}", f" {scheme.upper()}://x.org"):
        with pytest.raises(InvalidUrl):
            canonicalise(url)
