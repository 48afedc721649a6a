"""The `upstander` console script: the app's commands (commands.py) on the app of create_app()."""

from __future__ import annotations

from flask.cli import FlaskGroup

from network import commands, create_app


def main() -> None:
    """Entry point of the `upstander` console script."""
    FlaskGroup(create_app=create_app, name="upstander", help=commands.__doc__)()
