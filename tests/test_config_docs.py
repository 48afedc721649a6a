"""Every environment variable config.py reads is documented in .env.example and the docs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "network" / "config.py"
ENV_EXAMPLE = ROOT / ".env.example"
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"

# Read by docker-compose.yml rather than by the app.
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}


def _is_environment(node: ast.expr) -> bool:
    """Tell whether an expression is `env`, `environ` or `os.environ`."""
    if isinstance(node, ast.Name):
        return node.id in {"env", "environ"}
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _name_read_by(node: ast.AST) -> str | None:
    """Return the variable a node reads from the environment, if it reads one."""
    if isinstance(node, ast.Subscript) and _is_environment(node.value):
        return _string(node.slice)  # env["NAME"]
    if not (isinstance(node, ast.Call) and node.args):
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "get" and _is_environment(func.value):
        return _string(node.args[0])  # env.get("NAME"), also inside _bool(...)
    if isinstance(func, ast.Attribute) and func.attr == "getenv":
        return _string(node.args[0])  # os.getenv("NAME")
    wrapper = isinstance(func, ast.Name) and func.id in {"_int", "_bool"}
    if wrapper and len(node.args) > 1 and _is_environment(node.args[0]):
        return _string(node.args[1])  # _int(env, "NAME", default)
    return None


def variables_read_by_config() -> set[str]:
    """Return every environment variable name config.py reads."""
    tree = ast.parse(CONFIG.read_text(), filename=str(CONFIG))
    return {name for node in ast.walk(tree) if (name := _name_read_by(node))}


def variables_in_env_example() -> set[str]:
    """Return the names set (or shown commented out) as `NAME=` lines in .env.example."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), flags=re.M))


READ = sorted(variables_read_by_config())


def test_the_parser_finds_the_settings_config_reads() -> None:
    # Guards against a refactor that reads the environment in a way this parser misses,
    # which would make the tests below pass without checking anything.
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMTP_PORT", "PROXY_FIX"} <= set(READ)
    assert {"MAX_CONTENT_LENGTH", "SESSION_COOKIE_SECURE", "UPSTANDER_ENV"} <= set(READ)


@pytest.mark.parametrize("name", READ)
def test_every_variable_config_reads_is_in_env_example(name: str) -> None:
    assert name in variables_in_env_example(), f"{name} is read by config.py, not in .env.example"


@pytest.mark.parametrize("name", READ)
def test_every_variable_config_reads_is_in_the_configuration_docs(name: str) -> None:
    assert f"`{name}`" in CONFIGURATION_DOC.read_text(), (
        f"{name} is read by config.py but not documented in docs/configuration.md"
    )


def test_env_example_lists_no_variable_the_app_does_not_read() -> None:
    stale = variables_in_env_example() - set(READ) - COMPOSE_ONLY
    assert not stale, f".env.example documents variables nothing reads: {sorted(stale)}"
