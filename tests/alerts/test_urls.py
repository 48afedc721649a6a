"""The canonical URL: one form per thread, and nothing but http(s) ever accepted."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.provisional import urls

from network.alerts import threads
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
            "https://x.com/i/status/1",
            Platform.X,
        ),
        (
            "https://mobile.twitter.com/someone/status/1",
            "https://x.com/i/status/1",
            Platform.X,
        ),
        (
            "https://youtu.be/abc123defgh?si=track&t=42",
            "https://youtube.com/watch?v=abc123defgh",
            Platform.YOUTUBE,
        ),
        (
            "https://m.youtube.com/watch?v=abc123defgh&feature=share",
            "https://youtube.com/watch?v=abc123defgh",
            Platform.YOUTUBE,
        ),
        (
            "HTTPS://WWW.Reddit.com/r/x/comments/1/",
            "https://reddit.com/comments/1",
            Platform.REDDIT,
        ),
        (
            "https://old.reddit.com/r/x/comments/1",
            "https://reddit.com/comments/1",
            Platform.REDDIT,
        ),
        (
            "https://www.instagram.com/p/C1/?igshid=abc&utm_source=ig",
            "https://instagram.com/p/C1",
            Platform.INSTAGRAM,
        ),
        (
            "https://www.tiktok.com/@user/video/7?is_from_webapp=1&sender_device=pc",
            "https://tiktok.com/@/video/7",
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
            "https://forum.example.org/t/1?a=1&b=2",
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
    assert once.url.startswith("https://")
    fragment = once.url.partition("#")[2]
    assert fragment == "" or fragment.startswith(("/", "!/")), "only routes keep a fragment"


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


# --- one thread, whatever the link: a table per platform ------------------------------------------

X_STATUS = "https://x.com/i/status/1790000000000000001"
REDDIT_POST = "https://reddit.com/comments/1abc2d"
YOUTUBE_VIDEO = "https://youtube.com/watch?v=dQw4w9WgXcQ"
INSTAGRAM_POST = "https://instagram.com/p/C1a2B3c4D5e"
TIKTOK_VIDEO = "https://tiktok.com/@/video/7301234567890123456"
FACEBOOK_POST = "https://facebook.com/story.php?id=100012345&story_fbid=987654321"

SAME_THREAD = {
    X_STATUS: [
        "https://x.com/Someone/status/1790000000000000001",
        "https://twitter.com/someone/status/1790000000000000001?s=20&t=AbC",
        "http://www.twitter.com/SOMEONE/status/1790000000000000001/",
        "https://mobile.twitter.com/someone/statuses/1790000000000000001",
        "https://mobile.x.com/someone/status/1790000000000000001?ref_src=twsrc%5Etfw",
        "https://x.com/i/web/status/1790000000000000001",
        "https://twitter.com/i/status/1790000000000000001",
        "https://x.com/someone/status/1790000000000000001/photo/1",
        "https://x.com/renamed/status/1790000000000000001/analytics",
        "https://fxtwitter.com/someone/status/1790000000000000001",
        "https://d.fxtwitter.com/someone/status/1790000000000000001",
        "https://vxtwitter.com/someone/status/1790000000000000001",
        "https://fixupx.com/someone/status/1790000000000000001",
        "https://nitter.net/someone/status/1790000000000000001#m",
        "https://nitter.poast.org/someone/status/1790000000000000001",
        "https://xcancel.com/someone/status/1790000000000000001",
        "https://twitter.com/#!/someone/status/1790000000000000001",
        "https://twitter.com/statuses/1790000000000000001",
        "https://X.COM./someone/status/1790000000000000001?utm_source=share",
    ],
    REDDIT_POST: [
        "https://www.reddit.com/r/Netherlands/comments/1abc2d/some_slug/",
        "https://reddit.com/r/netherlands/comments/1abc2d",
        "https://old.reddit.com/r/Netherlands/comments/1abc2d/some_slug/?context=3",
        "https://new.reddit.com/r/Netherlands/comments/1abc2d/",
        "https://np.reddit.com/r/Netherlands/comments/1abc2d/some_slug/",
        "https://m.reddit.com/r/Netherlands/comments/1abc2d/some_slug/",
        "https://sh.reddit.com/r/Netherlands/comments/1abc2d/",
        "https://www.reddit.com/comments/1abc2d",
        "https://redd.it/1abc2d",
        "https://www.reddit.com/r/Netherlands/comments/1abc2d/some_slug/kx9y8z7/",
        "https://www.reddit.com/r/Netherlands/comments/1ABC2D/",
        "https://www.reddit.com/user/someone/comments/1abc2d/title/",
        "https://www.reddit.com/gallery/1abc2d",
        "https://www.reddit.com/r/Netherlands/comments/1abc2d/s/?share_id=x&utm_medium=ios_app",
        "https://rxddit.com/r/Netherlands/comments/1abc2d/some_slug/",
    ],
    YOUTUBE_VIDEO: [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
        "https://music.youtube.com/watch?v=dQw4w9WgXcQ&si=AbC",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ?si=AbC&t=10",
        "https://www.youtube.com/shorts/dQw4w9WgXcQ",
        "https://youtube.com/shorts/dQw4w9WgXcQ?feature=share",
        "https://www.youtube.com/embed/dQw4w9WgXcQ?start=3",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        "https://www.youtube.com/live/dQw4w9WgXcQ?si=x",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL123&index=2&pp=ygU",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzComment",
        "http://youtube.com/v/dQw4w9WgXcQ",
    ],
    INSTAGRAM_POST: [
        "https://www.instagram.com/p/C1a2B3c4D5e/",
        "https://instagram.com/p/C1a2B3c4D5e/?igsh=MWZ2&utm_source=qr",
        "https://www.instagram.com/reel/C1a2B3c4D5e/?igshid=abc",
        "https://www.instagram.com/reels/C1a2B3c4D5e/",
        "https://www.instagram.com/tv/C1a2B3c4D5e",
        "https://www.instagram.com/someone/p/C1a2B3c4D5e/",
        "https://www.instagram.com/p/C1a2B3c4D5e/?img_index=2",
        "https://m.instagram.com/p/C1a2B3c4D5e",
        "https://instagr.am/p/C1a2B3c4D5e",
        "https://www.ddinstagram.com/p/C1a2B3c4D5e/",
        "https://www.instagram.com/p/C1a2B3c4D5e/c/1798/",
    ],
    TIKTOK_VIDEO: [
        "https://www.tiktok.com/@someone/video/7301234567890123456",
        "https://www.tiktok.com/@Someone/video/7301234567890123456?is_from_webapp=1&sender_device=pc",
        "https://tiktok.com/@renamed/video/7301234567890123456?_r=1&_t=8h&lang=nl",
        "https://m.tiktok.com/v/7301234567890123456.html",
        "https://www.tiktok.com/embed/v2/7301234567890123456",
        "https://www.tiktok.com/embed/7301234567890123456",
        "https://vxtiktok.com/@someone/video/7301234567890123456",
    ],
    FACEBOOK_POST: [
        "https://www.facebook.com/story.php?story_fbid=987654321&id=100012345",
        "https://m.facebook.com/story.php?story_fbid=987654321&id=100012345&mibextid=Nif5oz",
        "https://web.facebook.com/permalink.php?story_fbid=987654321&id=100012345&_rdr",
        "https://mbasic.facebook.com/story.php?story_fbid=987654321&id=100012345&refid=8",
        "https://nl-nl.facebook.com/permalink.php?story_fbid=987654321&id=100012345",
        "https://www.facebook.com/permalink.php?story_fbid=987654321&id=100012345"
        "&__cft__[0]=AZX&__tn__=%2CO%2CP-R&fbclid=IwAR",
        "https://fb.com/story.php?story_fbid=987654321&id=100012345&sfnsn=mo",
    ],
    "https://facebook.com/groups/someclub/posts/5551234": [
        "https://www.facebook.com/groups/someclub/posts/5551234/?comment_id=1&notif_id=2",
        "https://m.facebook.com/groups/SomeClub/permalink/5551234/",
        "https://www.facebook.com/groups/someclub/?multi_permalinks=5551234&ref=share",
    ],
}


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [(variant, canonical) for canonical, variants in SAME_THREAD.items() for variant in variants],
)
def test_every_link_to_a_thread_gives_its_canonical_url(variant: str, canonical: str) -> None:
    assert canonicalise(variant).url == canonical
    assert canonicalise(canonical).url == canonical


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://x.com/a/status/1", "https://x.com/a/status/2"),
        ("https://x.com/a/status/1", "https://x.com/a"),
        ("https://x.com/i/spaces/1YqKDqWq", "https://x.com/i/spaces/1yqkdqwq"),
        ("https://reddit.com/comments/abc", "https://reddit.com/comments/abd"),
        ("https://reddit.com/r/a/s/AbCd", "https://reddit.com/r/a/s/abcd"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/dqw4w9wgxcq"),
        ("https://youtube.com/watch?v=aaaaaaaaaaa", "https://youtube.com/watch?v=aaaaaaaaaab"),
        (
            "https://youtube.com/embed/videoseries?list=PL1",
            "https://youtube.com/embed/videoseries?list=PL2",
        ),
        (
            "https://youtube.com/embed/live_stream?channel=UC1",
            "https://youtube.com/embed/live_stream?channel=UC2",
        ),
        (
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fa.example%2F1&h=AT0",
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fa.example%2F2&h=AT0",
        ),
        ("https://facebook.com/events/1?ref=x", "https://facebook.com/events/2?ref=x"),
        (
            "https://facebook.com/profile.php?id=1&sk=photos",
            "https://facebook.com/profile.php?id=1&sk=videos",
        ),
        (
            "https://facebook.com/groups/9/?multi_permalinks=1",
            "https://facebook.com/groups/9/?multi_permalinks=2",
        ),
        ("https://instagram.com/p/AbC", "https://instagram.com/p/abc"),
        ("https://tiktok.com/@a/video/1", "https://tiktok.com/@a/video/2"),
        ("https://vm.tiktok.com/ZMabc/", "https://vm.tiktok.com/ZMabC/"),
        ("https://vm.tiktok.com/ZMabc/", "https://vt.tiktok.com/ZMabc/"),
        (
            "https://facebook.com/story.php?story_fbid=1&id=2",
            "https://facebook.com/story.php?story_fbid=1&id=3",
        ),
        ("https://fb.watch/AbC/", "https://fb.watch/abc/"),
        ("https://facebook.com/share/p/AbC/", "https://facebook.com/share/p/abc/"),
        ("https://example.org/a%2Fb", "https://example.org/a/b"),
        ("https://example.org/Thread", "https://example.org/thread"),
        ("https://example.org/t?id=1", "https://example.org/t?id=2"),
        ("https://example.org/t?id=1&id=2", "https://example.org/t?id=1"),
        ("https://example.org/#/thread/1", "https://example.org/#/thread/2"),
        ("https://example.org:8080/t", "https://example.org/t"),
        ("https://m.example.org/t", "https://example.org/t"),
        ("https://faß.de/t", "https://fass.de/t"),
        ("https://example.org/%FF", "https://example.org/%FE"),
        ("https://example.org/t?q=%FF", "https://example.org/t?q=%FE"),
        ("https://example.org/a&b", "https://example.org/a%26b"),
    ],
)
def test_different_threads_never_merge(one: str, other: str) -> None:
    assert canonicalise(one).url != canonicalise(other).url


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("HTTP://EXAMPLE.ORG/t", "https://example.org/t"),
        ("https://example.org./t", "https://example.org/t"),
        ("https://www.example.org/t", "https://example.org/t"),
        ("https://example.org:443/t", "https://example.org/t"),
        ("http://example.org:80/t", "https://example.org/t"),
        ("https://example.org/%7Euser/%41b%63", "https://example.org/~user/Abc"),
        ("https://example.org/a%2fb", "https://example.org/a%2Fb"),
        ("https://example.org/a/./b/../c", "https://example.org/a/c"),
        ("https://example.org/a/%2E%2E/c", "https://example.org/c"),
        ("https://example.org/../../a", "https://example.org/a"),
        ("https://example.org//a///b//", "https://example.org/a/b"),
        ("https://example.org/caf\u00e9", "https://example.org/caf%C3%A9"),
        ("https://example.org/caf%c3%a9", "https://example.org/caf%C3%A9"),
        ("https://example.org/50%", "https://example.org/50%25"),
        ("https://b\u00fccher.example/t", "https://xn--bcher-kva.example/t"),
        ("https://xn--bcher-kva.example/t", "https://xn--bcher-kva.example/t"),
        ("https://example.org/t?b=2&a=1", "https://example.org/t?a=1&b=2"),
        ("https://example.org/t?q=a+b", "https://example.org/t?q=a%20b"),
        (
            "https://example.org/t?q=a%20b&utm_source=x&fbclid=y&gclid=z",
            "https://example.org/t?q=a%20b",
        ),
        ("https://example.org/t?", "https://example.org/t"),
        ("https://example.org/t#comment-3", "https://example.org/t"),
        ("https://example.org/#!/thread/1/", "https://example.org/#!/thread/1"),
        ("https://example.org/#/", "https://example.org/"),
        ("https://example.org/#!//", "https://example.org/"),
    ],
)
def test_rfc_3986_normalisation_of_every_url(variant: str, canonical: str) -> None:
    assert canonicalise(variant).url == canonical


def test_no_link_is_ever_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("canonicalising must not touch the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    links = [link for variants in SAME_THREAD.values() for link in variants]
    for link in [*links, "https://vm.tiktok.com/ZMabc/", "https://fb.watch/x/"]:
        assert canonicalise(link).url


def test_short_links_only_the_platform_can_resolve_are_kept_as_they_are() -> None:
    # Resolving them would mean fetching the URL, which the server never does.
    assert (
        canonicalise("https://vm.tiktok.com/ZMabc12/?_r=1").url == "https://vm.tiktok.com/ZMabc12"
    )
    assert canonicalise("https://vt.tiktok.com/ZSxyz/").url == "https://vt.tiktok.com/ZSxyz"
    assert canonicalise("https://www.tiktok.com/t/ZTabc/").url == "https://tiktok.com/t/ZTabc"
    assert canonicalise("https://fb.watch/AbC_1/?mibextid=x").url == "https://fb.watch/AbC_1"
    assert canonicalise("https://www.reddit.com/r/a/s/XyZ").url == "https://reddit.com/r/a/s/XyZ"


# --- properties -----------------------------------------------------------------------------------

X_HOSTS = [
    "x.com",
    "twitter.com",
    "mobile.twitter.com",
    "www.x.com",
    "m.x.com",
    "fxtwitter.com",
    "vxtwitter.com",
    "fixupx.com",
    "nitter.net",
    "xcancel.com",
]


def cased(draw: st.DrawFn, text: str) -> str:
    """Change the case of some letters (where case does not matter)."""
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c for c, flip in zip(text, flips, strict=True))


@st.composite
def decorated(draw: st.DrawFn, host: str, path: str, params: list[str]) -> str:
    """A link as people paste it: scheme, host case, trailing slash, noise parameters, fragment."""
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    noise = draw(st.lists(st.sampled_from(params), max_size=3, unique=True))
    query = "&".join(noise)
    slash = draw(st.sampled_from(["", "/"]))
    fragment = draw(st.sampled_from(["", "#top", "#c-1"]))
    return (
        f"{scheme}://{cased(draw, host)}{path}{slash}" + (f"?{query}" if query else "") + fragment
    )


x_ids = st.integers(min_value=1, max_value=10**19)
x_users = st.from_regex(r"[A-Za-z0-9_]{1,15}", fullmatch=True)


@st.composite
def x_links(draw: st.DrawFn, status: int) -> str:
    user = draw(x_users)
    path = draw(
        st.sampled_from(
            [
                f"/{user}/status/{status}",
                f"/{user.upper()}/status/{status}",
                f"/{user}/statuses/{status}",
                f"/i/web/status/{status}",
                f"/i/status/{status}",
                f"/{user}/status/{status}/photo/1",
            ]
        )
    )
    host = draw(st.sampled_from(X_HOSTS))
    return draw(decorated(host, path, ["s=20", "t=AbC", "ref_src=twsrc", "utm_source=x"]))


reddit_ids = st.from_regex(r"[a-z0-9]{5,7}", fullmatch=True)


@st.composite
def reddit_links(draw: st.DrawFn, post: str) -> str:
    sub = draw(st.from_regex(r"[A-Za-z0-9_]{3,21}", fullmatch=True))
    slug = draw(st.from_regex(r"[a-z0-9_]{1,30}", fullmatch=True))
    if draw(st.booleans()):
        return draw(decorated("redd.it", f"/{post}", ["utm_source=share"]))
    path = draw(
        st.sampled_from(
            [
                f"/r/{sub}/comments/{post}/{slug}",
                f"/r/{sub}/comments/{post}",
                f"/comments/{post}",
                f"/r/{sub}/comments/{post}/{slug}/k{post}",
                f"/r/{sub.lower()}/comments/{post.upper()}/{slug}",
            ]
        )
    )
    host = draw(
        st.sampled_from(
            [
                "reddit.com",
                "www.reddit.com",
                "old.reddit.com",
                "new.reddit.com",
                "np.reddit.com",
                "m.reddit.com",
            ]
        )
    )
    return draw(decorated(host, path, ["context=3", "share_id=Ab1", "utm_medium=ios", "rdt=1"]))


youtube_ids = st.from_regex(r"[A-Za-z0-9_-]{11}", fullmatch=True).filter(
    lambda video: video not in threads.YOUTUBE_NOT_VIDEOS
)


@st.composite
def youtube_links(draw: st.DrawFn, video: str) -> str:
    form = draw(st.sampled_from(["watch", "short", "shorts", "embed", "live", "nocookie"]))
    noise = ["t=42", "si=AbC", "feature=share"]
    if form == "watch":
        host = draw(
            st.sampled_from(
                ["youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"]
            )
        )
        extra = ["t=42", "si=AbC", "feature=share", "list=PL1", "index=2", "pp=ygU"]
        params = draw(
            st.permutations(
                [f"v={video}", *draw(st.lists(st.sampled_from(extra), max_size=3, unique=True))]
            )
        )
        scheme = draw(st.sampled_from(["http", "https"]))
        return f"{scheme}://{cased(draw, host)}/watch?{'&'.join(params)}"
    if form == "short":
        return draw(decorated("youtu.be", f"/{video}", noise))
    if form == "nocookie":
        return draw(decorated("www.youtube-nocookie.com", f"/embed/{video}", noise))
    return draw(
        decorated(
            draw(st.sampled_from(["youtube.com", "www.youtube.com"])), f"/{form}/{video}", noise
        )
    )


instagram_codes = st.from_regex(r"[A-Za-z0-9_-]{6,12}", fullmatch=True)


@st.composite
def instagram_links(draw: st.DrawFn, code: str) -> str:
    # Instagram keeps its own routes (p, reel, tv, …) out of user names.
    user = draw(
        st.from_regex(r"[a-z0-9._]{1,30}", fullmatch=True).filter(
            lambda name: name not in {"p", "reel", "reels", "tv", "stories"}
        )
    )
    kind = draw(st.sampled_from(["p", "reel", "reels", "tv"]))
    path = draw(st.sampled_from([f"/{kind}/{code}", f"/{user}/{kind}/{code}"]))
    host = draw(
        st.sampled_from(["instagram.com", "www.instagram.com", "m.instagram.com", "instagr.am"])
    )
    return draw(decorated(host, path, ["igsh=MWZ", "igshid=abc", "utm_source=qr", "img_index=2"]))


tiktok_ids = st.integers(min_value=10**17, max_value=10**19)


@st.composite
def tiktok_links(draw: st.DrawFn, video: int) -> str:
    user = draw(st.from_regex(r"[A-Za-z0-9._]{2,24}", fullmatch=True))
    path, host = draw(
        st.sampled_from(
            [
                (f"/@{user}/video/{video}", "www.tiktok.com"),
                (f"/@{user}/video/{video}", "tiktok.com"),
                (f"/v/{video}.html", "m.tiktok.com"),
                (f"/embed/v2/{video}", "www.tiktok.com"),
            ]
        )
    )
    params = ["is_from_webapp=1", "sender_device=pc", "_r=1", "_t=8hX", "lang=nl"]
    return draw(decorated(host, path, params))


@st.composite
def facebook_links(draw: st.DrawFn, post: tuple[int, int]) -> str:
    story, page = post
    identity = draw(st.permutations([f"story_fbid={story}", f"id={page}"]))
    noise = draw(
        st.lists(
            st.sampled_from(
                ["mibextid=Nif", "__tn__=%2CO", "fbclid=Iw", "rdid=x", "sfnsn=mo", "ref=share"]
            ),
            max_size=3,
            unique=True,
        )
    )
    params = draw(st.permutations(identity + noise))
    page_name = draw(st.sampled_from(["story.php", "permalink.php"]))
    host = draw(
        st.sampled_from(
            [
                "facebook.com",
                "www.facebook.com",
                "m.facebook.com",
                "web.facebook.com",
                "mbasic.facebook.com",
                "de-de.facebook.com",
            ]
        )
    )
    scheme = draw(st.sampled_from(["http", "https"]))
    return f"{scheme}://{cased(draw, host)}/{page_name}?{'&'.join(params)}"


facebook_posts = st.tuples(st.integers(1, 10**17), st.integers(1, 10**17))

PLATFORMS = [
    (x_ids, x_links),
    (reddit_ids, reddit_links),
    (youtube_ids, youtube_links),
    (instagram_codes, instagram_links),
    (tiktok_ids, tiktok_links),
    (facebook_posts, facebook_links),
]


@pytest.mark.parametrize(
    ("ids", "links"), PLATFORMS, ids=lambda value: getattr(value, "__name__", "")
)
@given(data=st.data())
def test_links_to_one_thread_share_one_canonical_form(
    ids: Any, links: Any, data: st.DataObject
) -> None:
    thread = data.draw(ids)
    first, second = data.draw(links(thread)), data.draw(links(thread))
    assert canonicalise(first) == canonicalise(second), (first, second)


@pytest.mark.parametrize(
    ("ids", "links"), PLATFORMS, ids=lambda value: getattr(value, "__name__", "")
)
@given(data=st.data())
def test_links_to_different_threads_never_merge(ids: Any, links: Any, data: st.DataObject) -> None:
    one = data.draw(ids)
    other = data.draw(ids.filter(lambda thread: thread != one))
    if isinstance(one, str) and links is reddit_links:
        assume(one.lower() != other.lower())  # Reddit ids are lower case; the case is noise
    first, second = data.draw(links(one)), data.draw(links(other))
    assert canonicalise(first).url != canonicalise(second).url, (first, second)


# --- properties of RFC 3986 normalisation on any site ---------------------------------------------

UNRESERVED_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
SUB_DELIMS = set("!$&'()*+,;=:@")
segment_texts = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=6
).filter(lambda text: text not in {".", ".."})
hosts = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True), min_size=1, max_size=3),
    st.sampled_from(["org", "net", "nl"]),
).filter(
    lambda host: (
        not host.startswith("www.")
        and not host.startswith("nitter.")
        and threads.site_of(host) == host
        and threads.platform_of(host) == Platform.OTHER
    )
)
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=5)
query_pairs = st.frozensets(
    st.tuples(
        names.filter(
            lambda name: (
                name.lower() not in threads.TRACKING_PARAMETERS
                and not name.lower().startswith(threads.TRACKING_PREFIXES)
            )
        ),
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=5),
    ),
    max_size=3,
)
pages = st.tuples(hosts, st.lists(segment_texts, min_size=0, max_size=4), query_pairs)


def escape(draw: st.DrawFn, char: str) -> str:
    """Percent-encode a character, in upper or lower case hex."""
    encoded = "".join(f"%{byte:02X}" for byte in char.encode())
    return encoded.lower() if draw(st.booleans()) else encoded


def plain(page: tuple[str, list[str], frozenset[tuple[str, str]]]) -> str:
    host, segments, pairs = page
    path = "/".join(
        "".join(
            c if c in UNRESERVED_CHARS | SUB_DELIMS else "".join(f"%{b:02X}" for b in c.encode())
            for c in segment
        )
        for segment in segments
    )
    query = "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs)
    return f"https://{host}/{path}" + (f"?{query}" if query else "")


@st.composite
def variants(draw: st.DrawFn, page: tuple[str, list[str], frozenset[tuple[str, str]]]) -> str:
    """The same page written another way that RFC 3986 (or the web) says is equivalent."""
    host, segments, pairs = page

    def segment_variant(segment: str) -> str:
        out = []
        for char in segment:
            if char in UNRESERVED_CHARS:
                out.append(escape(draw, char) if draw(st.booleans()) else char)
            elif char in SUB_DELIMS:
                out.append(char)  # reserved: its escaped form means something else
            elif not char.isascii() and char.isprintable() and draw(st.booleans()):
                out.append(char)  # an IRI character, encoded as UTF-8
            else:
                out.append(escape(draw, char))
        return "".join(out)

    written = [segment_variant(segment) for segment in segments]
    noise = draw(st.lists(st.sampled_from(["", ".", "zz/.."]), max_size=3))
    for extra in noise:
        written.insert(draw(st.integers(0, len(written))), extra)
    path = "/".join(written) + draw(st.sampled_from(["", "/", "//"]))

    def part_variant(text: str) -> str:
        return "".join(
            ("+" if draw(st.booleans()) else escape(draw, char))
            if char == " "
            else (char if char in UNRESERVED_CHARS and draw(st.booleans()) else escape(draw, char))
            for char in text
        )

    written_pairs = [f"{part_variant(name)}={part_variant(value)}" for name, value in pairs]
    written_pairs += draw(st.lists(st.sampled_from(["utm_source=a", "fbclid=b", "gclid=c"])))
    query = "&".join(draw(st.permutations(written_pairs)))
    scheme, port = draw(
        st.sampled_from(
            [("http", ""), ("https", ""), ("http", ":80"), ("https", ":443"), ("HTTP", "")]
        )
    )
    prefix = draw(st.sampled_from(["", "www.", "WWW."]))
    dot = draw(st.sampled_from(["", "."]))
    fragment = draw(st.sampled_from(["", "#", "#section-2", "#c"]))
    netloc = f"{prefix}{cased(draw, host)}{dot}{port}"
    return f"{scheme}://{netloc}/{path}" + (f"?{query}" if query else "") + fragment


@given(data=st.data())
def test_equivalent_writings_of_a_page_share_one_canonical_form(data: st.DataObject) -> None:
    page = data.draw(pages)
    variant = data.draw(variants(page))
    assert canonicalise(variant) == canonicalise(plain(page)), variant


@given(pages, pages)
def test_different_pages_never_merge(one: Any, other: Any) -> None:
    assume(one != other)
    assert canonicalise(plain(one)).url != canonicalise(plain(other)).url
