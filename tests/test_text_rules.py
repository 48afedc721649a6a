"""The rules for what a request may bring, one by one: text, JSON, numbers, cursors and dates."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import given, settings
from hypothesis import strategies as st

import network
from network.accounts.schemas import Strict
from network.api import OPERATIONS
from network.api.pagination import decode_cursor, encode_cursor
from network.db import storable_moment
from network.edge import MAX_JSON_DEPTH, JSONTooDeep, loads_bounded, nesting_depth
from network.errors import ValidationFailed
from network.forms import Form
from network.text import text_problem, unstorable_problem
from tests.conftest import csrf_token_from

REFUSED_EVERYWHERE = [
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x1f",
    "\x7f",
    "\x85",
    "\x9f",
    "\ud800",
    "\udfff",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
]
LINE_BREAKS = ["\t", "\n", "\r", "\r\n", "\u2028", "\u2029"]
FINE = ["plain", "Ça va? Ünïcödé", "مرحبا بالعالم", "שלום", "emoji 🙂", "a\u200fb", "zwj\u200d"]


@pytest.mark.parametrize("bad", REFUSED_EVERYWHERE, ids=repr)
@pytest.mark.parametrize("multiline", [False, True])
def test_control_surrogate_and_bidi_characters_are_refused_in_every_field(
    app: Flask, bad: str, multiline: bool
) -> None:
    with app.test_request_context():
        assert text_problem(f"before{bad}after", multiline=multiline)


@pytest.mark.parametrize("brk", LINE_BREAKS, ids=repr)
def test_line_breaks_only_in_multi_line_fields(app: Flask, brk: str) -> None:
    with app.test_request_context():
        assert text_problem(f"one{brk}two", multiline=False)
        assert text_problem(f"one{brk}two", multiline=True) is None


@pytest.mark.parametrize("text", FINE)
def test_ordinary_text_in_any_script_passes(app: Flask, text: str) -> None:
    with app.test_request_context():
        assert text_problem(text) is None and unstorable_problem(text) is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_what_passes_the_rule_can_be_stored_and_put_in_a_header(text: str) -> None:
    if text_problem(text) is None:
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogate: PostgreSQL and mail take it
        assert text == " ".join(text.split(" "))  # and nothing splits it into lines
        assert len(text.splitlines()) <= 1


# --- JSON -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, MAX_JSON_DEPTH])
def test_json_nested_up_to_the_limit_is_read(depth: int) -> None:
    document = "[" * depth + "]" * depth
    assert nesting_depth(loads_bounded(document)) == depth


@pytest.mark.parametrize(
    "document",
    [
        "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
        '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1),
        "[" * 50_000 + "]" * 50_000,  # past Python's own recursion limit
    ],
    ids=["lists", "objects", "recursion"],
)
def test_json_nested_deeper_is_refused(document: str) -> None:
    with pytest.raises(JSONTooDeep):
        loads_bounded(document)


@pytest.mark.parametrize("document", ["NaN", "[Infinity]", '{"a": -Infinity}'])
def test_json_without_numbers_json_allows_is_refused(document: str) -> None:
    with pytest.raises(ValueError):
        loads_bounded(document)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(st.none() | st.integers() | st.text(), lambda inner: st.lists(inner, max_size=3))
)
def test_nesting_depth_counts_like_the_document_reads(value: Any) -> None:
    def depth(item: Any) -> int:
        return 1 + max(map(depth, item), default=0) if isinstance(item, list) else 0

    assert nesting_depth(value) == depth(value)


# --- cursors and dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "e30",  # {} is fine, checked below
        encode_cursor({"id": 2**63}),
        encode_cursor({"id": -(2**40)}),
        encode_cursor({"c": "x" * 500}),
        encode_cursor({"c": "a\x00b"}),
        encode_cursor({"id": [1]}),
        encode_cursor({"id": {"a": 1}}),
        "W10",  # []
        "bnVsbA",  # null
    ],
)
def test_a_cursor_only_names_small_numbers_and_short_texts(app: Flask, cursor: str) -> None:
    with app.test_request_context():
        if cursor == "e30":
            assert decode_cursor(cursor) == {}
            return
        with pytest.raises(ValidationFailed) as refused:
            decode_cursor(cursor)
        assert set(refused.value.fields) == {"cursor"}


@pytest.mark.parametrize(
    ("moment", "fine"),
    [
        (datetime(2026, 3, 1, 9, tzinfo=UTC), True),
        (datetime(2000, 1, 1, tzinfo=UTC), True),
        (datetime(1999, 12, 31, 23, 59, tzinfo=UTC), False),
        (datetime(2100, 1, 1, tzinfo=UTC), False),
        (datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))), False),
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), False),
        (datetime(2030, 1, 1), True),  # a form's local time, before its zone is known
    ],
)
def test_dates_lie_within_the_years_the_network_handles(moment: datetime, fine: bool) -> None:
    assert storable_moment(moment) is fine


# --- one rule for every schema and every form -----------------------------------------------------


def all_modules() -> list[Any]:
    names = [m.name for m in pkgutil.walk_packages(network.__path__, "network.")]
    return [importlib.import_module(name) for name in names if not name.endswith("__main__")]


def test_every_request_schema_and_page_form_takes_the_one_rule() -> None:
    for op in OPERATIONS:
        for schema in (op.body, op.query):
            assert schema is None or issubclass(schema, Strict), f"{op.name}: {schema}"
    forms = {
        value
        for module in all_modules()
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, FlaskForm)
        and value.__module__ != "flask_wtf.form"
    }
    assert len(forms) > 10
    assert {form for form in forms if not issubclass(form, Form)} == set()


# --- the examples the probe found ---------------------------------------------------------------


NUL = "stand\x00up"


def test_nul_in_sign_up_and_log_in_is_a_422_naming_the_field(
    client: FlaskClient, create_member: Any
) -> None:
    member = create_member()
    for path, body in (
        (
            "/api/v1/members",
            {
                "email": "a@example.org",
                "password": NUL,
                "display_name": "A",
                "pledge_accepted": True,
            },
        ),
        ("/api/v1/tokens", {"email": member.email + "\x00", "password": member.password}),
        ("/api/v1/tokens", {"email": member.email, "password": NUL}),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 422, response.get_data(as_text=True)
        fields = response.get_json()["error"]["fields"]
        assert {name for name, value in body.items() if "\x00" in str(value)} <= set(fields)
    for page, form in (
        ("/login", {"email": member.email + "\x00", "password": member.password}),
        (
            "/join",
            {
                "email": "b@example.org",
                "password": NUL,
                "display_name": "B",
                "time_zone": "Europe/Amsterdam",
                "pledge_accepted": "y",
            },
        ),
    ):
        token = csrf_token_from(client.get(page).get_data(as_text=True))
        response = client.post(page, data={**form, "csrf_token": token})
        assert response.status_code == 422
        assert response.mimetype == "text/html"
        assert "control characters" in response.get_data(as_text=True)


def test_a_server_error_still_answers_with_its_page_after_a_failed_statement(
    tmp_path: Any, own_schema: str
) -> None:
    """On PostgreSQL a failed statement aborts the transaction; the error page reads the
    database again (who is logged in), so the handler starts a clean one first."""
    import sqlalchemy as sa

    from network.accounts import services
    from network.extensions import activate, db
    from tests.conftest import PASSWORD
    from tests.harness import standalone_app

    app = standalone_app(tmp_path, database_url=own_schema)

    @app.get("/fails-in-the-database")
    def fails() -> str:
        db.session.execute(sa.text("SELECT 1 / 0"))
        return "unreachable"

    activate(app)
    with app.test_request_context():
        services.sign_up(
            email="member@example.org",
            password=PASSWORD,
            display_name="Member",
            locale="en",
            time_zone="Europe/Amsterdam",
            pledge_accepted=True,
        )
        db.session.commit()
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    logged_in = client.post(
        "/login", data={"email": "member@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert logged_in.status_code == 302

    page = client.get("/fails-in-the-database")
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.get_data(as_text=True)
    assert "/feed/" in page.get_data(as_text=True), "the page, as the logged-in member sees it"
    answer = client.get("/fails-in-the-database", headers={"Accept": "application/json"})
    assert answer.status_code == 500
    assert json.loads(answer.data)["error"]["code"] == "server_error"
