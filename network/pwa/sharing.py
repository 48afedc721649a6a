"""What a phone's share sheet or the bookmarklet hands over: find the thread's link in it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from network.alerts.urls import MAX_LENGTH

# A candidate runs from http(s):// to the first space, quote, angle bracket or invisible
# character (controls, zero-width and direction marks); apps put the link anywhere in the text
# ("Look at this https://… via @app").
_CANDIDATE = re.compile(
    r"https?://[^\s<>\"'`\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]+",
    re.IGNORECASE,
)
# Sentence punctuation glued to the end of a link in running text is not part of it.
_TRAILING = ".,;:!?'\"\u00bb\u203a\u201d\u2019\u2026"  # closing quotes, ellipsis
_PAIRS = {")": "(", "]": "[", "}": "{"}


def first_web_url(*shared: str | None) -> str | None:
    """Return the first http(s) URL in the shared url, text and title (in that order), or None."""
    for value in shared:
        for match in _CANDIDATE.finditer(value or ""):
            candidate = _trim(match.group(0))
            if _is_web_url(candidate):
                return candidate
    return None


def _trim(candidate: str) -> str:
    # Anything invisible (unassigned, private use, separators) ends the link too.
    for position, character in enumerate(candidate):
        if not character.isprintable():
            candidate = candidate[:position]
            break
    while candidate:
        last = candidate[-1]
        if last in _TRAILING:
            candidate = candidate[:-1]
        elif last in _PAIRS and candidate.count(last) > candidate.count(_PAIRS[last]):
            # "(see https://example.org/a)": the closing bracket belongs to the sentence.
            candidate = candidate[:-1]
        else:
            break
    return candidate


def _is_web_url(candidate: str) -> bool:
    if len(candidate) > MAX_LENGTH:
        return False
    try:
        parts = urlsplit(candidate)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(host)
