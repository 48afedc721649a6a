"""JSON columns are written with orjson and read back (by the standard library) as the values the
standard library's own writing gave, for anything it could store."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from network.extensions import db, json_text
from network.moderation.models import AuditEntry

keys = st.one_of(st.text(), st.integers(-(2**70), 2**70), st.booleans(), st.none())
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),  # past 64 bits, which orjson refuses
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),  # lone surrogates included, which orjson refuses
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


@given(values)
def test_what_is_read_back_is_what_the_standard_library_reads_back(value: Any) -> None:
    assert json.loads(json_text(value)) == json.loads(json.dumps(value))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({1: "a", None: "b", False: "c"}, {"1": "a", "null": "b", "false": "c"}),
        ({"lone": "\ud800"}, {"lone": "\ud800"}),
        ([2**64], [2**64]),
        ({"nested": [{"a": [1, 2.5, None]}]}, {"nested": [{"a": [1, 2.5, None]}]}),
    ],
)
def test_values_orjson_handles_differently_come_back_as_before(value: Any, expected: Any) -> None:
    assert json.loads(json_text(value)) == expected


def test_a_json_column_keeps_what_orjson_and_the_standard_library_each_write(app: Flask) -> None:
    # On SQLite (text) and PostgreSQL (json) alike, through the app's engine.
    details = {
        "counts": {3: 1, "share": 0.25},
        "summary": "Zo gaat dat — \u201cquoted\u201d",
        "lone": "\ud800",  # written by the standard library, as before
        "huge": 2**65,
    }
    with app.app_context():
        entry = AuditEntry(action="test", subject_type="alert", subject_id=1, details=details)
        db.session.add(entry)
        db.session.commit()
        entry_id = entry.id
        db.session.remove()
        stored = db.session.get(AuditEntry, entry_id)
        assert stored is not None
        assert stored.details == json.loads(json.dumps(details))
