"""Hostile input, sent to every API operation, every page form and every page and list.

Every operation of the OpenAPI document and every form found on the pages (as members of each
role see them) gets, one field at a time, values a probe would send: NUL and other control
characters, lone surrogates, bidi overrides, header breaks, overlong text, huge and odd numbers,
wrong types and deep nesting. The other fields are valid (the permission matrix's bodies), so the
request reaches as far as it can. Whatever arrives, the answer is never a server error: the API
answers 4xx in its error shape (422 naming the field for refused text), a page shows the form
again or answers 4xx.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from flask import Flask

from network.api import OPERATIONS
from network.api.pagination import encode_cursor
from network.text import MULTI_LINE
from tests.test_permissions import MATRIX, OK, Row
from tests.world import World, browser_of, counting_writes, fill, rolled_back, rules_of, world

__all__ = ["world"]

# Text no field may hold, whatever it is for: (name, value, why it is refused).
REFUSED_TEXT = {
    "nul": "abc\x00def",
    "escape": "abc\x1b[31mdef",
    "c1-next-line": "abc\x85def",
    "bidi-override": "abc\u202edef",
    "bidi-isolate": "abc\u2067def",
}
SURROGATE = "abc\ud800def"  # JSON only: a browser cannot send one in a form
HEADER_BREAK = "Subject line\r\nBcc: victim@example.org"
# Values of any type that must be answered with a 4xx or accepted, never a 500.
ODD_VALUES: dict[str, Any] = {
    "huge": 2**64,
    "huge-negative": -(10**30),
    "float-huge": 1e308,
    "float-tiny": -1e-308,
    "nested": [[[[[[[[[[["deep"]]]]]]]]]]],
    "object": {"a": {"b": "c"}},
    "list": ["a", 1, None],
    "true": True,
    "null": None,
    "empty": "",
    "overlong": "x" * 20_000,
    "digits": "9" * 40,
    "year-0": "0000-01-01T00:00:00+00:00",
    "year-99999": "99999-01-01T00:00:00+00:00",
    "year-9999-east": "9999-12-31T23:59:59-14:00",
    "year-1-west": "0001-01-01T00:00:00+14:00",
}
# Whole bodies no operation takes.
ODD_BODIES = {
    "deep": "[" * 5_000 + "]" * 5_000,
    "deep-object": '{"a":' * 2_000 + "1" + "}" * 2_000,
    "nan": '{"x": NaN}',
    "infinity": '{"x": Infinity}',
    "number": "1" + "0" * 5_000,
    "not-utf8": b'{"x": "\xff\xfe"}',
    "list": "[1, 2, 3]",
    "string": '"text"',
}
PAGE_VALUES = {
    "huge": "99999999999999999999",
    "negative": "-99999999999999999999",
    "garbage": "garbage%%$",
    "exponent": "1e999",
    "nan": "NaN",
    "year-0": "0000-01-01T00:00",
    "year-99999": "99999-12-31T23:59",
    "year-9999": "9999-12-31T23:59",
    "overlong": "x" * 5_000,
}
CURSORS = {
    "garbage": "not-a-cursor!!",
    "list": encode_cursor({}).replace("e30", "W10"),  # "[]"
    "huge-id": encode_cursor({"id": 2**70}),
    "huge-position": encode_cursor({"s": 2**70, "h": True, "c": "2026-01-01T00:00:00", "i": 1}),
    "odd-date": encode_cursor({"s": 1, "h": False, "c": "0000-00-00", "i": 1}),
    "wrong-types": encode_cursor({"s": [1], "h": {}, "c": 5, "i": "x"}),
    # Forged positions the queries could not bind: a time without its zone, numbers as texts
    # beyond any column, a time with an odd offset and numbers below zero (these two may pass).
    "naive-time": encode_cursor({"s": 2, "h": False, "c": "2026-01-01T00:00:00", "i": 1}),
    "text-numbers": encode_cursor(
        {"s": "9" * 30, "h": True, "c": "2026-01-01T00:00:00+00:00", "i": "9" * 30}
    ),
    "odd-offset": encode_cursor({"s": 2, "h": True, "c": "2026-01-01T00:00:00+23:59", "i": 5}),
    "below-zero": encode_cursor({"s": -3, "h": False, "c": "0001-01-01T00:00:00+00:00", "i": -7}),
}
ERROR_KEYS = {"code", "message", "fields"}


def allowed_role(row: Row) -> str:
    """A role the row lets through, so the request gets as far as it can."""
    for role in ("trust2", "organiser", "admin", "team_member", "reporter", "trust0", "visitor"):
        if row.roles.get(role) == OK:
            return role
    return "admin"


def body_of(row: Row, world: World, role: str, kind: str) -> dict[str, Any]:
    value = getattr(row, kind)
    return dict(value(world, role) if callable(value) else value or {})


def api_rows() -> Iterator[tuple[str, str, Row, Any]]:
    """Yield (method, rule, row, operation) for every documented API operation."""
    by_route = {("/api/v1" + op.rule, op.method): op for op in OPERATIONS}
    for key, row in MATRIX.items():
        if len(key) == 2 and (key[1], key[0]) in by_route:
            yield key[0], key[1], row, by_route[(key[1], key[0])]


@dataclass
class Problems:
    """What went wrong, collected over the whole walk and reported at once."""

    found: list[str] = field(default_factory=list)

    def check(self, condition: bool, what: str) -> None:
        if not condition:
            self.found.append(what)

    def assert_none(self) -> None:
        assert not self.found, f"{len(self.found)} problems:\n" + "\n".join(self.found[:60])


def call_api(app: Flask, world: World, role: str, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role in world.tokens else {}
    with rolled_back(app):
        return app.test_client().open(path, method=method, headers=headers, **kwargs)


def error_of(response: Any) -> dict[str, Any] | None:
    body = response.get_json(silent=True)
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) and set(error) == ERROR_KEYS else None


def test_every_api_operation_refuses_hostile_values_in_its_error_shape(
    app: Flask, world: World
) -> None:
    problems = Problems()
    walked = list(api_rows())
    assert len(walked) == len(OPERATIONS), "every documented operation has its row"
    for method, rule, row, op in walked:
        role = allowed_role(row)
        path = fill(rule, world, row.ids)
        where = f"{method} {rule} as {role}"

        def send(**kwargs: Any) -> Any:
            return call_api(app, world, role, method, path, **kwargs)  # noqa: B023

        if op.body is not None:
            valid = body_of(row, world, role, "json")
            for name in sorted(set(op.body.model_fields) | set(valid)):
                info = op.body.model_fields.get(name)
                multiline = info is not None and MULTI_LINE in info.metadata
                texts: dict[str, Any] = {**REFUSED_TEXT, "surrogate": SURROGATE}
                texts |= {"nul in a list": ["ok", "a\x00b"], "nul in a key": {"a\x00b": "ok"}}
                if not multiline:
                    texts["header-break"] = HEADER_BREAK
                for label, value in texts.items():
                    answer = send(json={**valid, name: value})
                    error = error_of(answer)
                    problems.check(
                        answer.status_code == 422
                        and error is not None
                        and any(f == name or f.startswith(name + ".") for f in error["fields"]),
                        f"{where}: {name}={label} -> {answer.status_code} {answer.data[:200]!r}",
                    )
                for label, odd in ODD_VALUES.items():
                    answer = send(json={**valid, name: odd})
                    problems.check(
                        answer.status_code < 400
                        or (answer.status_code < 500 and error_of(answer) is not None),
                        f"{where}: {name}={label} -> {answer.status_code} {answer.data[:200]!r}",
                    )
            for label, raw in ODD_BODIES.items():
                answer = send(data=raw, content_type="application/json")
                problems.check(
                    answer.status_code in (400, 413, 422) and error_of(answer) is not None,
                    f"{where}: body {label} -> {answer.status_code} {answer.data[:200]!r}",
                )
        if method == "GET":
            # What the operation reads is refused when odd; what it ignores may stay ignored,
            # but text no field may hold is refused wherever it is.
            read = set(op.query.model_fields) if op.query is not None else set()
            for name in sorted(read | {"cursor", "page", "since"}):
                answer = send(query_string={name: REFUSED_TEXT["nul"]})
                error = error_of(answer)
                problems.check(
                    answer.status_code == 422 and error is not None and name in error["fields"],
                    f"{where}: ?{name}=nul -> {answer.status_code}",
                )
                odd: dict[str, str] = {**PAGE_VALUES, **(CURSORS if name == "cursor" else {})}
                if name in read:
                    odd |= {label: text for label, text in REFUSED_TEXT.items() if label != "nul"}
                for label, text in odd.items():
                    answer = send(query_string={name: text})
                    error = error_of(answer)
                    must_refuse = name in read and label in REFUSED_TEXT
                    problems.check(
                        (answer.status_code == 422 and error is not None)
                        if must_refuse
                        else answer.status_code < 400 or (answer.status_code < 500 and error),
                        f"{where}: ?{name}={label} -> {answer.status_code} {answer.data[:200]!r}",
                    )
    problems.assert_none()


# --- pages ----------------------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str


@dataclass
class PageForm:
    action: str
    fields: list[FormField] = field(default_factory=list)


class FormFinder(HTMLParser):
    """Collect the POST forms of a page with their fields and default values."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._textarea: FormField | None = None
        self._select: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            if found.get("method", "get").lower() == "post":
                self._form = PageForm(found.get("action") or self.page)
                self.forms.append(self._form)
            return
        if self._form is None or not found.get("name"):
            if tag == "option" and self._select is not None and not self._select.value:
                self._select.value = found.get("value", "")
            return
        name = found["name"]
        if tag == "input":
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in found:
                if any(f.name == name for f in self._form.fields):
                    return
                self._form.fields.append(FormField(name, kind, ""))
                return
            self._form.fields = [f for f in self._form.fields if f.name != name]
            self._form.fields.append(FormField(name, kind, found.get("value", "")))
        elif tag == "textarea":
            self._textarea = FormField(name, "textarea", "")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = FormField(name, "select", "")
            self._form.fields.append(self._select)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


ROLES_SEEN = ("trust2", "organiser", "team_member", "reporter", "visitor")


def page_forms(app: Flask, world: World) -> dict[tuple[str, str], tuple[str, PageForm]]:
    """Return every POST form on the pages, by (action, field names), with a role that sees it."""
    forms: dict[tuple[str, str], tuple[str, PageForm]] = {}
    for role in ROLES_SEEN:
        for method, rule in rules_of(app):
            if method != "GET" or rule.rule.startswith("/api/") or rule.rule == "/healthz":
                continue
            path = fill(rule.rule, world)
            with rolled_back(app):
                page = browser_of(app, world, role).get(path)
            if page.status_code != 200 or page.mimetype != "text/html":
                continue
            finder = FormFinder(path)
            finder.feed(page.get_data(as_text=True))
            for form in finder.forms:
                names = ",".join(sorted(f.name for f in form.fields))
                forms.setdefault((form.action.split("?")[0], names), (role, form))
    return forms


def matrix_form(app: Flask, world: World, role: str, action: str) -> dict[str, Any]:
    """The permission matrix's valid fields for the route that takes this form, if any."""
    for key, row in MATRIX.items():
        page_post = key[0] == "POST" and not key[1].startswith("/api/") and len(key) == 2
        if page_post and fill(key[1], world) == action:
            return body_of(row, world, role, "form")
    return {}


@dataclass
class Posted:
    status_code: int
    body: str
    writes: list[str]


def post_form(app: Flask, world: World, role: str, action: str, data: dict[str, Any]) -> Posted:
    with rolled_back(app), counting_writes(app) as writes:
        answer = browser_of(app, world, role).post(
            action, data={**data, "csrf_token": world.csrf[role]}
        )
        return Posted(answer.status_code, answer.get_data(as_text=True), writes)


def refused(answer: Posted, message: str) -> bool:
    """The form came back with the message, or a 4xx, or a redirect that changed nothing."""
    if answer.status_code == 200:
        return message in answer.body
    return 400 <= answer.status_code < 500 or (answer.status_code == 302 and not answer.writes)


def test_every_page_form_refuses_hostile_values(app: Flask, world: World) -> None:
    problems = Problems()
    forms = page_forms(app, world)
    assert len(forms) >= 15, "the walk found the pages' forms"
    for (action, _names), (role, form) in sorted(forms.items()):
        if action.endswith("/logout"):
            continue
        defaults = {f.name: f.value for f in form.fields if f.name != "csrf_token"}
        defaults.update(matrix_form(app, world, role, action))
        for entry in form.fields:
            if entry.name == "csrf_token":
                continue
            where = f"POST {action} as {role}: {entry.name} ({entry.kind})"

            def post(value: str) -> Posted:
                return post_form(app, world, role, action, {**defaults, entry.name: value})  # noqa: B023

            typed = entry.kind in ("text", "textarea", "email", "password", "search", "url")
            for label, text in REFUSED_TEXT.items():
                answer = post(text)
                if label in ("nul", "escape", "c1-next-line"):
                    # No field takes these: refused at the edge, naming the field.
                    problems.check(
                        answer.status_code == 422 and entry.name in answer.body,
                        f"{where}={label} -> {answer.status_code}",
                    )
                elif typed:
                    problems.check(
                        refused(answer, "text-direction"),
                        f"{where}={label} -> {answer.status_code} {answer.writes}",
                    )
                else:
                    problems.check(answer.status_code < 500, f"{where}={label} -> 5xx")
            if typed and entry.kind != "textarea":
                answer = post(HEADER_BREAK)
                problems.check(
                    refused(answer, "single line"),
                    f"{where}=header-break -> {answer.status_code} {answer.writes}",
                )
            for label, text in PAGE_VALUES.items():
                answer = post(text)
                problems.check(
                    answer.status_code < 500,
                    f"{where}={label} -> {answer.status_code} {answer.body[:200]}",
                )
    problems.assert_none()


def query_names() -> set[str]:
    """Every query parameter a page reads (found in the source), and the usual suspects."""
    source = "\n".join(p.read_text() for p in Path("network").rglob("*.py"))
    found = re.findall(r'(?:request\.args\.get|int_arg)\(\s*"(\w+)"', source)
    return set(found) | {"page", "cursor", "since"}


def test_every_page_answers_odd_query_values_without_a_server_error(
    app: Flask, world: World
) -> None:
    problems = Problems()
    names = sorted(query_names())
    assert {"page", "cursor", "before", "min_severity"} <= set(names)
    for key, row in MATRIX.items():
        if key[0] != "GET" or key[1].startswith("/api/"):
            continue
        role = allowed_role(row)
        path = fill(key[1], world, row.ids)

        def get(query: dict[str, str]) -> Any:
            with rolled_back(app):
                return browser_of(app, world, role).get(path, query_string=query)  # noqa: B023

        # Each odd value in every parameter at once, then each parameter alone at its worst.
        tries = {label: dict.fromkeys(names, text) for label, text in PAGE_VALUES.items()}
        tries |= {f"cursor {label}": {"cursor": text} for label, text in CURSORS.items()}
        tries |= {f"{name} huge": {name: PAGE_VALUES["huge"]} for name in names}
        for label, query in tries.items():
            answer = get(query)
            problems.check(
                answer.status_code < 500, f"GET {path} ({label}) as {role} -> {answer.status_code}"
            )
        answer = get(dict.fromkeys(names, "a\x00b"))
        problems.check(answer.status_code == 422, f"GET {path} (nul) -> {answer.status_code}")
    problems.assert_none()


def test_an_error_message_orjson_cannot_write_still_answers_in_the_error_shape(app: Flask) -> None:
    """A lone surrogate in an error's text: the body falls back to Flask's escaped JSON."""
    from network.errors import respond

    with app.test_request_context("/api/v1/alerts"):
        answer = respond(409, "conflict", "bad \ud800 text")
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "conflict"
