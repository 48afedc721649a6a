"""What every scenario shares: rows of the result table, percentiles, the machine, the table."""

from __future__ import annotations

import math
import os
import platform
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


@dataclass
class Options:
    """Sizes a run may change from the command line."""

    quick: bool = False
    web_processes: int = 2
    web_server: str = "gevent"
    fanout_sizes: tuple[int, ...] = (100, 1000)
    fanout_alerts: int = 40
    fanout_client_processes: int = 1
    posting_seconds: float = 3.0
    posting_concurrency: tuple[int, ...] = (1, 8, 32)
    feed_alerts: int = 100_000
    feed_requests: int = 400
    claims: int = 200
    digest_members: int = 10_000
    digest_sink: str = "lean"  # bench.digests.SINKS
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Row:
    """One line of the result table: a figure of the app next to its baseline."""

    scenario: str
    measure: str
    figure: float
    baseline: float | None
    baseline_name: str
    unit: str
    # "lower" when a smaller figure is better (latency), "higher" for throughput, "equal" when
    # the figure must equal the baseline (successful claims and the caps).
    better: str = "lower"
    # The ratio the issue asks for, e.g. 1.0 (no worse than) or 0.5 (at least half).
    target: float | None = None
    note: str = ""
    # The target bounds the figure itself (e.g. CPU per post), not the ratio.
    absolute: bool = False

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.figure / self.baseline

    @property
    def verdict(self) -> str:
        ratio = self.figure if self.absolute else self.ratio
        if self.target is None or ratio is None:
            return ""
        if self.better == "equal":
            return "met (= 1)" if abs(ratio - self.target) < 1e-9 else "NOT met (= 1)"
        met = ratio <= self.target if self.better == "lower" else ratio >= self.target
        sign = "≤" if self.better == "lower" else "≥"
        bound = f"{self.target:g} {self.unit}" if self.absolute else f"{self.target:g}"
        return f"{'met' if met else 'not met'} ({sign} {bound})"


def percentile(values: Iterable[float], share: float) -> float:
    """Return the percentile by linear interpolation (share 0.5 is the median)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def wait_until(
    probe: Callable[[], object], *, timeout: float, what: str, interval: float = 0.05
) -> None:
    """Poll `probe` until it is truthy; raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _format(value: float | None, unit: str) -> str:
    if value is None or math.isnan(value):
        return "—"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "/s":
        return f"{value:,.0f}/s"
    return f"{value:,.0f} {unit}".strip()


def table(rows: list[Row]) -> str:
    """Return the result table in Markdown (readable in a terminal too)."""
    header = ("scenario", "measure", "Upstander", "baseline", "baseline figure", "ratio", "target")
    lines = [header]
    for row in rows:
        ratio = row.ratio
        lines.append(
            (
                row.scenario,
                row.measure + (f" ({row.note})" if row.note else ""),
                _format(row.figure, row.unit),
                row.baseline_name,
                _format(row.baseline, row.unit),
                "—" if ratio is None else f"{ratio:.2f}",
                row.verdict,
            )
        )
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]

    def render(line: tuple[str, ...]) -> str:
        return (
            "| "
            + " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
            + " |"
        )

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([render(lines[0]), rule, *(render(line) for line in lines[1:])])


def _command_version(*command: str) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "not found"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


def _package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _node_package(name: str) -> str:
    manifest = BENCH_DIR / "node_modules" / name / "package.json"
    if not manifest.exists():
        return "not installed"
    import json

    version: str = json.loads(manifest.read_text())["version"]
    return version


def machine() -> list[str]:
    """Describe the machine and the versions of everything measured."""
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    python = ", ".join(
        f"{name} {_package(name)}"
        for name in (
            "flask",
            "flask-socketio",
            "python-socketio",
            "python-engineio",
            "gunicorn",
            "gevent",
            "gevent-websocket",
            "sqlalchemy",
            "psycopg",
            "celery",
            "redis",
        )
    )
    return [
        f"machine: {os.cpu_count()} cores ({cpu}), {memory_kib / 1024 / 1024:.1f} GiB memory, "
        f"{platform.system()} {platform.release()}",
        f"python {platform.python_version()}: {python}",
        f"node {_command_version('node', '--version')}: socket.io {_node_package('socket.io')}, "
        f"socket.io-client {_node_package('socket.io-client')}",
        f"{_command_version('psql', '--version')}; server: see below",
        f"redis: {_command_version('redis-server', '--version')}",
    ]
