"""The test shards of `make test` (.ci/pytest-shards): whole files, balanced by their seconds."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import DURATIONS, shards_of

files = st.dictionaries(
    st.from_regex(r"tests/[a-z_]{1,12}\.py", fullmatch=True),
    st.floats(min_value=0, max_value=200, allow_nan=False),
    max_size=40,
)


@given(files, st.integers(min_value=2, max_value=5))
def test_every_file_runs_in_exactly_one_shard_and_the_shards_end_together(
    seconds: dict[str, float], shards: int
) -> None:
    chosen = shards_of(set(seconds), shards, seconds)
    assert set(chosen) == set(seconds)
    assert all(0 <= shard < shards for shard in chosen.values())
    loads = [sum(seconds[path] for path in chosen if chosen[path] == n) for n in range(shards)]
    # Longest first, each to the least loaded shard: no shard ends later than the least loaded
    # one by more than a single file's time.
    assert max(loads) - min(loads) <= max(seconds.values(), default=0) + 1e-9


@given(files, st.integers(min_value=2, max_value=5))
def test_every_shard_process_computes_the_same_shards(
    seconds: dict[str, float], shards: int
) -> None:
    # Each process collects the files in its own order (and hashes strings its own way).
    paths = list(seconds)
    assert shards_of(paths, shards, seconds) == shards_of(reversed(paths), shards, seconds)


def test_a_file_without_a_measured_time_counts_as_the_average_file() -> None:
    seconds = {"tests/a.py": 10.0, "tests/b.py": 30.0}
    chosen = shards_of({"tests/a.py", "tests/b.py", "tests/new.py"}, 2, seconds)
    # b (30 s) alone; a (10 s) and the new file (counted as 20 s) together.
    assert chosen["tests/b.py"] != chosen["tests/a.py"] == chosen["tests/new.py"]


def test_the_measured_times_name_test_files_that_exist() -> None:
    seconds = json.loads(DURATIONS.read_text())
    root = DURATIONS.parent.parent
    gone = [path for path in seconds if not (root / path).is_file()]
    assert seconds and not gone, f"refresh tests/durations.json (.ci/test-durations): {gone}"
