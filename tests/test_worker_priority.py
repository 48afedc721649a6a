"""Background jobs yield the CPU to the web processes: `upstander worker` runs its threads and
pool processes at WORKER_NICENESS (docs/configuration.md), never less nice than it was started."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import upstander, wait_until

ROOT = Path(__file__).resolve().parent.parent

# Each case runs in a child process of its own (priority only ever goes down without privilege,
# and the test process must keep its own).
CASES = """
import json, os, sys
from network.commands import yield_to_requests

results = []
for started, wanted in json.loads(sys.argv[1]):
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(reading)
        os.setpriority(os.PRIO_PROCESS, 0, started)
        got = yield_to_requests(wanted)
        os.write(writing, json.dumps([got, os.getpriority(os.PRIO_PROCESS, 0)]).encode())
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading) as answer:
        results.append(json.loads(answer.read()))
    os.waitpid(child, 0)
print(json.dumps(results))
"""


@pytest.mark.parametrize(
    ("started", "wanted", "runs_at"),
    [
        (0, 10, 10),  # the default setting
        (0, 0, 0),  # 0: as started
        (0, 19, 19),
        (3, 7, 7),
        (15, 10, 15),  # started nicer by the operator (nice -n 15): stays so
        (19, 0, 19),
        (10, 10, 10),
    ],
)
def test_the_worker_runs_at_the_setting_or_nicer_never_less_nice(
    started: int, wanted: int, runs_at: int
) -> None:
    import json

    answer = subprocess.run(
        [sys.executable, "-c", CASES, json.dumps([[started, wanted]])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(answer.stdout) == [[runs_at, runs_at]]


@pytest.mark.parametrize("value", ["-1", "20", "99"])
def test_a_niceness_out_of_range_stops_the_worker_with_a_clear_message(
    tmp_path: Path, value: str
) -> None:
    with upstander(tmp_path, "worker", WORKER_NICENESS=value) as worker:
        assert worker.process.wait(timeout=60) != 0
    assert f"WORKER_NICENESS must be between 0 and 19, not {value}" in worker.log()


def niceness(pid: int, thread: int | None = None) -> int:
    """A process's (or one of its threads') niceness, as the kernel schedules it."""
    path = f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat"
    fields = Path(path).read_text().rpartition(")")[2].split()
    return int(fields[16])  # field 19 of stat; the two before ")" are split off


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except OSError:
                continue  # it ended meanwhile
            if parent == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.live
@pytest.mark.redis
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize(("setting", "expected"), [({}, 10), ({"WORKER_NICENESS": "7"}, 7)])
def test_a_real_worker_its_threads_and_its_pool_processes_yield_to_requests(
    tmp_path: Path, redis_url: str, setting: dict[str, str], expected: int
) -> None:
    with upstander(
        tmp_path,
        "worker",
        "--pool=prefork",
        "--concurrency=2",
        "--loglevel=INFO",
        DATABASE_URL=f"sqlite:///{tmp_path / 'network.db'}",
        REDIS_URL=redis_url,
        **setting,
    ) as worker:
        worker.wait_for_log("ready.", timeout=60)
        pid = worker.process.pid
        wait_until(lambda: len(children(pid)) >= 2, what=lambda: f"two pool processes of {pid}")
        pool = children(pid)
        threads = [int(entry.name) for entry in Path(f"/proc/{pid}/task").iterdir()]
        assert {niceness(pid, thread) for thread in threads} == {expected}
        assert {niceness(child) for child in pool} == {expected}
