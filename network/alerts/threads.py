"""Which thread a URL shows, on the platforms the network knows: their own identity of it.

An X status is its id, a Reddit post its id, a YouTube video its id, an Instagram post its
shortcode, a TikTok video its id — whatever user name, sub-domain, mirror, slug or share
parameter the link carries. Pages that are not one thread (profiles, searches) keep their path,
without the platform's tracking and interface parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from network.vocabulary import Platform

PLATFORM_DOMAINS: dict[str, Platform] = {
    "instagram.com": Platform.INSTAGRAM,
    "tiktok.com": Platform.TIKTOK,
    "x.com": Platform.X,
    "facebook.com": Platform.FACEBOOK,
    "fb.watch": Platform.FACEBOOK,
    "youtube.com": Platform.YOUTUBE,
    "youtu.be": Platform.YOUTUBE,
    "reddit.com": Platform.REDDIT,
    "redd.it": Platform.REDDIT,
    "snapchat.com": Platform.SNAPCHAT,
    "discord.com": Platform.DISCORD,
    "discord.gg": Platform.DISCORD,
    "twitch.tv": Platform.TWITCH,
}
# Other names of the same site, and mirrors that show the platform's threads under its own paths.
HOST_ALIASES = {
    "twitter.com": "x.com",
    "fxtwitter.com": "x.com",
    "vxtwitter.com": "x.com",
    "fixupx.com": "x.com",
    "fixvx.com": "x.com",
    "twittpr.com": "x.com",
    "xcancel.com": "x.com",
    "nitter.net": "x.com",
    "nitter.poast.org": "x.com",
    "nitter.privacydev.net": "x.com",
    "fb.com": "facebook.com",
    "discordapp.com": "discord.com",
    "instagr.am": "instagram.com",
    "ddinstagram.com": "instagram.com",
    "kkinstagram.com": "instagram.com",
    "vxtiktok.com": "tiktok.com",
    "tnktok.com": "tiktok.com",
    "rxddit.com": "reddit.com",
    "vxreddit.com": "reddit.com",
    "youtube-nocookie.com": "youtube.com",
    "yewtu.be": "youtube.com",
}
# Sub-domains that show the same pages as the main site (vm. and vt. are TikTok's short links).
MIRROR_SUBDOMAINS = (
    "www.",
    "m.",
    "mobile.",
    "mbasic.",
    "web.",
    "touch.",
    "old.",
    "new.",
    "np.",
    "i.",
    "amp.",
    "sh.",
    "music.",
    "gaming.",
)
# Tracking parameters removed on every site.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "mibextid",
        "si",
        "_rdr",
        "yclid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
    }
)
TRACKING_PREFIXES = ("utm_", "__cft__", "__tn__")
# Facebook names a post, photo or video by these; every other parameter is interface or tracking.
FACEBOOK_IDENTITY = frozenset({"story_fbid", "id", "fbid", "v"})
# What Facebook adds to links of its other pages: interface state and tracking.
FACEBOOK_INTERFACE = frozenset(
    {
        "rdid",
        "sfnsn",
        "refid",
        "refsrc",
        "notif_id",
        "notif_t",
        "paipv",
        "eav",
        "fref",
        "hc_ref",
        "rdc",
        "_rdc",
        "wtsid",
        "comment_id",
        "reply_comment_id",
        "comment_tracking",
    }
)
# Link shims: they lead off the platform, to the address in their parameters.
LINK_SHIMS = frozenset({"l.facebook.com", "lm.facebook.com", "l.instagram.com"})
DIGITS = re.compile(r"^[0-9]{1,25}$")
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
# Eleven characters too, but a playlist and a channel's live stream: no video id.
YOUTUBE_NOT_VIDEOS = frozenset({"videoseries", "live_stream"})
REDDIT_ID = re.compile(r"^[A-Za-z0-9]{1,12}$")
SHORTCODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
X_USER = re.compile(r"^[A-Za-z0-9_]{1,15}$")
LANGUAGE_SUBDOMAIN = re.compile(r"^[a-z]{2}-[a-z]{2}\.")


@dataclass(frozen=True)
class Page:
    """A URL taken apart: normalised host and path, decoded query pairs, the raw fragment."""

    host: str
    path: str
    query: list[tuple[str, str]]
    fragment: str = ""
    platform: Platform = Platform.OTHER

    @property
    def segments(self) -> list[str]:
        return [segment for segment in self.path.split("/") if segment]


# Both depend on the host alone, and posts come from a few hosts: each is worked out once.
@lru_cache(maxsize=4096)
def platform_of(host: str) -> Platform:
    """Return the platform a host belongs to (other when unknown)."""
    if host in LINK_SHIMS:
        return Platform.OTHER
    for domain, platform in PLATFORM_DOMAINS.items():
        if host == domain or host.endswith("." + domain):
            return platform
    return Platform.OTHER


@lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """Return the host that names the site: aliases and mirror sub-domains folded in."""
    base = _alias(host)
    if platform_of(base) == Platform.OTHER:
        # Elsewhere only `www.` is known to show the same pages; m.example.org may not.
        return base[4:] if base.startswith("www.") and base.count(".") > 1 else base
    if LANGUAGE_SUBDOMAIN.match(base) and base.endswith(".facebook.com"):
        base = base.split(".", 1)[1]
    changed = True
    while changed:
        changed = False
        for prefix in MIRROR_SUBDOMAINS:
            rest = base[len(prefix) :]
            # i.redd.it serves images, not the posts redd.it names.
            if (
                base.startswith(prefix)
                and rest.count(".") >= 1
                and rest != "redd.it"
                and platform_of(_alias(rest)) != Platform.OTHER
            ):
                base, changed = _alias(rest), True
    return base


def _alias(host: str) -> str:
    if host.startswith("nitter."):
        return "x.com"  # Nitter instances, by convention
    for alias, site in HOST_ALIASES.items():
        if host == alias or host.endswith("." + alias):
            return site
    return host


def identify(page: Page) -> Page:
    """Return the canonical page: the platform's identity of a thread, or the cleaned page."""
    page = replace(page, host=site_of(page.host))
    platform = platform_of(page.host)
    page = replace(page, platform=platform, query=_without_tracking(page.query))
    if platform == Platform.OTHER:
        return page
    rule = RULES.get(platform)
    found = rule(page) if rule else None
    if found is None:
        # Other pages of a platform: its share and interface parameters mean nothing.
        found = replace(page, query=_shared(page))
    return replace(found, fragment="")


def _without_tracking(query: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, value in query
        if not (name.lower() in TRACKING_PARAMETERS or name.lower().startswith(TRACKING_PREFIXES))
    ]


def _thread(page: Page, path: str, query: list[tuple[str, str]] | None = None) -> Page:
    return replace(page, path=path, query=query or [])


def _x(page: Page) -> Page | None:
    segments = page.segments
    if not segments and page.fragment.startswith("!/"):  # twitter.com/#!/user/status/1
        segments = [segment for segment in page.fragment[1:].split("/") if segment]
    lowered = [segment.lower() for segment in segments]
    status = None
    if lowered[:2] == ["i", "web"] and lowered[2:3] == ["status"] and len(segments) > 3:
        status = segments[3]
    elif lowered[:1] == ["i"] and lowered[1:2] == ["status"] and len(segments) > 2:
        status = segments[2]
    elif lowered[:1] == ["statuses"] and len(segments) > 1:
        status = segments[1]
    elif len(segments) > 2 and lowered[1] in ("status", "statuses"):
        status = segments[2]
    if status is not None and DIGITS.match(status):
        return replace(page, host="x.com", path=f"/i/status/{int(status)}", query=[])
    if segments and X_USER.match(segments[0]) and lowered[0] != "i":
        # User names are not case-sensitive: @Someone and @someone are one profile.
        rest = "/".join(segments[1:])
        return _thread(page, "/" + lowered[0] + ("/" + rest if rest else ""), _shared(page))
    return None


def _reddit(page: Page) -> Page | None:
    segments = page.segments
    lowered = [segment.lower() for segment in segments]
    post = None
    if page.host == "redd.it" and len(segments) == 1:
        post = segments[0]
    elif lowered[:1] in (["comments"], ["gallery"]) and len(segments) > 1:
        post = segments[1]
    elif len(segments) > 3 and lowered[0] in ("r", "u", "user") and lowered[2] == "comments":
        post = segments[3]
    if post is not None and REDDIT_ID.match(post):
        # The post is the thread: its slug, a comment's permalink and ?context are views of it.
        return replace(page, host="reddit.com", path=f"/comments/{post.lower()}", query=[])
    if page.host == "redd.it":
        return None
    if len(segments) >= 2 and lowered[0] in ("r", "u", "user") and lowered[2:3] != ["s"]:
        # Subreddit and user names are not case-sensitive (share links /r/x/s/… are).
        kind = "r" if lowered[0] == "r" else "user"
        rest = "/".join(segments[2:])
        path = f"/{kind}/{lowered[1]}" + ("/" + rest if rest else "")
        return _thread(page, path, _shared(page))
    return None


def _youtube(page: Page) -> Page | None:
    segments = page.segments
    video = None
    if page.host == "youtu.be" and segments:
        video = segments[0]
    elif segments[:1] == ["watch"] or not segments:
        video = next((value for name, value in page.query if name == "v"), None)
    elif len(segments) > 1 and segments[0].lower() in ("shorts", "embed", "live", "v", "e"):
        video = segments[1]
    if video is not None and YOUTUBE_ID.match(video) and video not in YOUTUBE_NOT_VIDEOS:
        return replace(page, host="youtube.com", path="/watch", query=[("v", video)])
    if segments and segments[0].startswith("@"):
        rest = "/".join(segments[1:])
        path = "/" + segments[0].lower() + ("/" + rest if rest else "")
        return _thread(page, path, _shared(page))
    return None


def _instagram(page: Page) -> Page | None:
    segments = page.segments
    lowered = [segment.lower() for segment in segments]
    kinds = ("p", "reel", "reels", "tv")
    code = None
    if len(segments) > 1 and lowered[0] in kinds:
        code = segments[1]
    elif len(segments) > 2 and lowered[1] in kinds:
        code = segments[2]  # instagram.com/{user}/p/{code}
    if code is not None and SHORTCODE.match(code):
        return replace(page, host="instagram.com", path=f"/p/{code}", query=[])
    if len(segments) > 2 and lowered[0] == "stories":
        return _thread(page, f"/stories/{lowered[1]}/{segments[2]}")
    if len(segments) == 1:
        return _thread(page, f"/{lowered[0]}")  # a profile; user names are not case-sensitive
    return None


def _tiktok(page: Page) -> Page | None:
    segments = page.segments
    lowered = [segment.lower() for segment in segments]
    if page.host != "tiktok.com" or lowered[:1] == ["t"]:
        return _thread(page, page.path)  # short links: only TikTok can resolve them
    item, kind = None, "video"
    if len(segments) > 2 and segments[0].startswith("@") and lowered[1] in ("video", "photo"):
        item, kind = segments[2], lowered[1]
    elif lowered[:1] == ["v"] and len(segments) > 1:
        item = segments[1].removesuffix(".html")
    elif lowered[:1] == ["embed"] and len(segments) > 1:
        item = segments[-1]
    if item is not None and DIGITS.match(item):
        return _thread(page, f"/@/{kind}/{int(item)}")
    if len(segments) == 1 and segments[0].startswith("@"):
        return _thread(page, "/" + lowered[0])
    return None


def _facebook(page: Page) -> Page | None:
    segments = page.segments
    lowered = [segment.lower() for segment in segments]
    query = [(name, value) for name, value in page.query if name in FACEBOOK_IDENTITY]
    if page.host == "fb.watch" or lowered[:1] == ["share"]:
        return _thread(page, page.path)  # share links: only Facebook can resolve them
    if lowered[:1] in (["permalink.php"], ["story.php"]):
        return _thread(page, "/story.php", query)
    if lowered[:1] in (["photo.php"], ["photo"]):
        return _thread(page, "/photo.php", [(k, v) for k, v in query if k == "fbid"])
    if lowered[:1] == ["watch"]:
        return _thread(page, "/watch", [(k, v) for k, v in query if k == "v"])
    if len(segments) > 2 and lowered[1] == "videos" and DIGITS.match(segments[-1]):
        return _thread(page, "/watch", [("v", segments[-1])])
    if len(segments) > 3 and lowered[0] == "groups" and lowered[2] in ("posts", "permalink"):
        return _thread(page, f"/groups/{lowered[1]}/posts/{segments[3]}")
    shown = next((v for k, v in page.query if k == "multi_permalinks" and DIGITS.match(v)), None)
    if len(segments) == 2 and lowered[0] == "groups" and shown is not None:
        return _thread(page, f"/groups/{lowered[1]}/posts/{shown}")  # a post shown in its group
    if len(segments) > 2 and lowered[1] == "posts":
        return _thread(page, f"/{lowered[0]}/posts/{segments[2]}")
    # Other pages (profile.php?id=…&sk=…, events, reels): what names them stays.
    kept = [(k, v) for k, v in _shared(page) if k.lower() not in FACEBOOK_INTERFACE]
    return _thread(page, page.path, kept)


SHARE_PARAMETERS = frozenset(
    {
        "s",
        "t",
        "ref",
        "ref_src",
        "ref_url",
        "feature",
        "is_from_webapp",
        "sender_device",
        "share_id",
        "share_app_id",
        "share_link_id",
        "rdt",
        "context",
        "xmt",
        "_t",
        "_r",
        "app",
        "utm",
        "sh",
        "lang",
        "hl",
        "img_index",
        "igshid",
    }
)


def _shared(page: Page) -> list[tuple[str, str]]:
    return [(name, value) for name, value in page.query if name.lower() not in SHARE_PARAMETERS]


RULES = {
    Platform.X: _x,
    Platform.REDDIT: _reddit,
    Platform.YOUTUBE: _youtube,
    Platform.INSTAGRAM: _instagram,
    Platform.TIKTOK: _tiktok,
    Platform.FACEBOOK: _facebook,
}
