"""Text the network accepts: one rule for every text field of the API, the pages and the mail.

PostgreSQL cannot store NUL; lone surrogates cannot be encoded at all; other control characters
break mail headers and logs or hide what a text says; bidi overrides make text read differently
from what it is. A field that holds more than one line may also hold tabs and line breaks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from network.translation import lazy_gettext as _l

# Never in any text: C0 controls other than tab and line breaks, DEL, C1 controls (U+0085 NEL
# among them, a line break to some mail and Python code), and lone surrogates.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SURROGATE = re.compile(r"[\ud800-\udfff]")
# Bidi embeddings, overrides and isolates: legitimate right-to-left text does not need them.
BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Line breaks (and tabs) that only a multi-line field may hold.
LINE_BREAK = re.compile(r"[\t\n\r\u2028\u2029]")


class MultiLine:
    """Marks a schema field that may hold several lines (tabs and line breaks allowed)."""

    def __repr__(self) -> str:
        return "MultiLine()"


MULTI_LINE = MultiLine()


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Return why a text cannot be accepted, or None when it can."""
    if SURROGATE.search(value):
        return str(_l("This text contains characters that are not valid Unicode."))
    if CONTROL.search(value):
        return str(_l("Remove the control characters (such as NUL) from this text."))
    if BIDI_CONTROL.search(value):
        return str(_l("Remove the invisible text-direction characters from this text."))
    if not multiline and LINE_BREAK.search(value):
        return str(_l("Use a single line here, without tabs or line breaks."))
    return None


def moment_problem() -> str:
    """Say which dates and times are accepted."""
    return str(_l("Choose a date between the years 2000 and 2099."))


def unstorable_problem(value: str) -> str | None:
    """Return why a text can never be accepted anywhere (the rule for raw query and form data)."""
    if SURROGATE.search(value):
        return str(_l("This text contains characters that are not valid Unicode."))
    if CONTROL.search(value):
        return str(_l("Remove the control characters (such as NUL) from this text."))
    return None


def texts_in(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield (dotted path, text) for every string in a JSON-like value, keys included."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, inner in item.items():
                inner_path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str):
                    yield inner_path, key
                stack.append((inner_path, inner))
        elif isinstance(item, list | tuple):
            stack.extend(
                (f"{where}.{index}" if where else str(index), inner)
                for index, inner in enumerate(item)
            )


def header_text(value: str) -> str:
    """Fold a text onto one header line: every control character and line break becomes a space."""
    folded = LINE_BREAK.sub(" ", CONTROL.sub(" ", SURROGATE.sub("\ufffd", value)))
    return re.sub(r"\s+", " ", BIDI_CONTROL.sub("", folded)).strip()
