"""The research export as Parquet: the CSV's columns and rows and privacy, streamed by row group."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.extensions import db
from network.learning import export
from network.learning.export import COLUMNS
from network.moderation.models import AuditEntry
from tests.learning.conftest import History, assert_names_nobody, download_csv


def download_parquet(client: FlaskClient) -> pq.ParquetFile:
    answer = client.get("/impact/export.parquet")
    assert answer.status_code == 200
    assert answer.mimetype == "application/vnd.apache.parquet" and answer.is_streamed
    assert ".parquet" in answer.headers["Content-Disposition"]
    return pq.ParquetFile(io.BytesIO(answer.get_data()))


def parquet_rows(file: pq.ParquetFile) -> list[dict[str, str]]:
    table = file.read()
    assert table.schema == pa.schema([(name, pa.string()) for name in COLUMNS])
    rows: list[dict[str, str]] = table.to_pylist()
    return rows


def without_salt(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Replace each hash by the order in which it first appears in its column: two exports of
    the same data then compare equal although their salts differ."""
    seen: dict[str, dict[str, str]] = {name: {"": ""} for name in COLUMNS if name.endswith("_hash")}
    renamed = []
    for row in rows:
        copy = dict(row)
        for name, names in seen.items():
            copy[name] = names.setdefault(row[name], f"#{len(names)}")
        renamed.append(copy)
    return renamed


def test_the_parquet_export_has_the_csv_columns_and_rows_and_names_nobody(
    app: Flask,
    client: FlaskClient,
    research_history: Callable[..., History],
    log_in: Any,
    organiser: Any,
) -> None:
    research_history(answered=True)
    log_in(organiser)
    as_csv = download_csv(client)
    as_parquet = parquet_rows(download_parquet(client))

    assert len(as_parquet) == len(as_csv) == 4
    assert without_salt(as_parquet) == without_salt(as_csv)
    assert sum(row["retaliation"] == "true" for row in as_parquet) == 1
    assert_names_nobody(app, as_parquet)
    # A fresh salt for each export: the same member hashes differently in each.
    for csv_row, parquet_row in zip(as_csv, as_parquet, strict=True):
        assert csv_row["member_hash"] != parquet_row["member_hash"]
        assert csv_row["alert_hash"] != parquet_row["alert_hash"]
    with app.app_context():
        audited = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "research.exported")
        ).all()
    assert [entry.details for entry in audited] == [{"format": "csv"}, {"format": "parquet"}]


def test_the_parquet_export_is_written_row_group_by_row_group(
    app: Flask, research_history: Callable[..., History]
) -> None:
    research_history()
    with app.app_context():
        chunks = list(export.parquet_chunks(batch=1))
    # One chunk a row group as the rows are read (the first with the magic bytes), then the
    # footer: no chunk holds the whole file.
    assert len(chunks) == 4 + 1
    assert chunks[0].startswith(export.PARQUET_MAGIC) and chunks[-1].endswith(export.PARQUET_MAGIC)
    file = pq.ParquetFile(io.BytesIO(b"".join(chunks)))
    assert file.metadata.num_row_groups == 4 and file.metadata.num_rows == 4
    with app.app_context():
        headless = b"".join(export.parquet_chunks(header=False, batch=3))
    file = pq.ParquetFile(io.BytesIO(export.PARQUET_MAGIC + headless))
    assert file.metadata.num_row_groups == 2
    assert [row["action_status"] for row in parquet_rows(file)] == [
        row["action_status"] for row in parquet_rows(pq.ParquetFile(io.BytesIO(b"".join(chunks))))
    ]
