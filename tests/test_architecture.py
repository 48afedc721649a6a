"""The import graph of network/ keeps its shape: no circles, services free of the edge.

The graph is read with `ast`, so imports inside functions count as much as those at the top of a
module: an import moved into a function to dodge a circle is still a circle.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "network"

# Modules of the edge: what services and queries must never reach for.
EDGE_NAMES = {"views", "api", "events", "recovery_views"}
# Names from flask that belong to a request; services take plain arguments instead.
REQUEST_NAMES = {"request", "session", "g"}
# The extension module is wired by create_app: it must not know the app's packages.
# The layer under everything: they may import each other, nothing else of the app.
EXTENSION_MODULES = {"network.extensions", "network.pgcursor"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(name: str, imported: str | None = None) -> str | None:
    """Return the module of ours that `from name import imported` (or `import name`) loads."""
    if imported is not None and f"{name}.{imported}" in MODULES:
        return f"{name}.{imported}"
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str) -> Iterator[tuple[str, str, int]]:
    """Yield (imported module, name imported from it, line) for every import in a module.

    Imports under `if TYPE_CHECKING:` are skipped: they never run."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for body in node.body for child in ast.walk(body))
    package = name if _is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                yield base, alias.name, node.lineno


def graph() -> dict[str, dict[str, int]]:
    """Return each module's imports of our own modules, with the line of the first."""
    edges: dict[str, dict[str, int]] = {name: {} for name in MODULES}
    for name in MODULES:
        for base, imported, line in imports_of(name):
            if base != "network" and not base.startswith("network."):
                continue
            target = _resolve(base, imported or None)
            if target and target != name:
                edges[name].setdefault(target, line)
    return edges


GRAPH = graph()


def circles() -> list[list[str]]:
    """Return one chain per strongly connected group of modules (Tarjan), as a closed path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return [_cycle_in(group) for group in groups]


def _cycle_in(group: list[str]) -> list[str]:
    """Return one closed chain through the first module of a group."""
    members = set(group)
    start = group[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(GRAPH[node]):
            if target == start:
                return [*paths[node], start]
            if target in members and target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return group


def _chain(chain: list[str]) -> str:
    steps = [chain[0]]
    for source, target in pairwise(chain):
        steps.append(
            f"  -> {target}  ({MODULES[source].relative_to(ROOT)}:{GRAPH[source][target]})"
        )
    return "\n".join(steps)


def _is_edge(module: str) -> bool:
    return (
        module.rpartition(".")[2] in EDGE_NAMES
        or module == "network.tasks"
        or (module.startswith("network.tasks."))
    )


def test_the_graph_sees_imports_inside_functions() -> None:
    # create_app imports the blueprints inside functions; a reader that missed those would
    # find no circle anywhere and check nothing.
    assert "network.accounts.views" in GRAPH["network"]
    assert "network.coordination.events" in GRAPH["network"]


def test_no_import_circles() -> None:
    found = circles()
    assert not found, "import circles:\n\n" + "\n\n".join(_chain(c) for c in found)


def test_services_and_queries_stay_off_the_edge() -> None:
    problems = []
    for name in MODULES:
        if name.rpartition(".")[2] not in {"services", "queries"}:
            continue
        for target, line in GRAPH[name].items():
            if _is_edge(target):
                problems.append(f"{MODULES[name].relative_to(ROOT)}:{line} imports {target}")
        for base, imported, line in imports_of(name):
            if base in {"flask", "flask_login"} and imported in REQUEST_NAMES | {"current_user"}:
                problems.append(
                    f"{MODULES[name].relative_to(ROOT)}:{line} imports {base}.{imported}"
                )
    assert not problems, "services/queries reaching the edge:\n" + "\n".join(problems)


def test_extension_modules_import_nothing_of_the_app() -> None:
    problems = [
        f"{MODULES[name].relative_to(ROOT)}:{line} imports {target}"
        for name in EXTENSION_MODULES
        for target, line in GRAPH[name].items()
        if target not in EXTENSION_MODULES
    ]
    assert not problems, "extension modules importing the app:\n" + "\n".join(problems)


FILE_NAME = re.compile(r"[\w./-]+\.(?:py|md|html|txt)\b")


def test_code_cites_only_files_the_repository_has() -> None:
    missing = []
    for path in MODULES.values():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for cited in FILE_NAME.findall(line):
                cited = cited.removeprefix("./")
                bases = (ROOT, PACKAGE, path.parent, ROOT / "docs", ROOT / "templates")
                if cited.startswith(".") or any((base / cited).exists() for base in bases):
                    continue
                missing.append(f"{path.relative_to(ROOT)}:{number} cites {cited}")
    assert not missing, "files cited in the code that do not exist:\n" + "\n".join(missing)


# Imported where they are used, by the jobs that push or post to chats: a web process, a command
# and every test process that starts the app skip their start-up (about a tenth of a second).
WORKER_ONLY_LIBRARIES = ("pywebpush", "http_ece", "apprise")


def test_starting_the_app_leaves_the_worker_only_libraries_unimported() -> None:
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "from network import create_app\n"
        "create_app({'TESTING': True, 'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'x' * 40})\n"
        f"print(json.dumps(sorted(set({WORKER_ONLY_LIBRARIES!r}) & set(sys.modules))))\n"
    )
    root = Path(__file__).resolve().parent.parent
    answer = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    assert answer.stdout.strip().splitlines()[-1] == "[]"
