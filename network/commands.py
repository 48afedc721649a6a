"""Command line: serve, worker, beat, create organisers, seed demo data (`upstander --help`)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from network.accounts.models import Role
from network.config import served_url
from network.settings import replace_settings, settings, settings_of


def register_commands(app: Flask) -> None:
    """Attach the project's commands to `flask --app network` and `upstander`."""
    for command in (serve, worker, beat, create_staff, seed, send_digests):
        app.cli.add_command(command)


@click.command()
@click.option(
    "--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="HOST or 127.0.0.1"
)
@click.option(
    "--port",
    default=lambda: int(os.environ.get("PORT", "5000")),
    type=int,
    show_default="PORT or 5000",
)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the site with Socket.IO; embedded mode also runs the worker and beat."""
    from network import embedded
    from network.extensions import socketio

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    follow_served_address(app, host, port)
    if settings_of(app).celery_embedded:
        embedded.start(app.extensions["celery"], schedule_filename=beat_schedule_file(app))
        click.echo("Celery worker and beat run embedded (in-memory broker).")
    click.echo(f"Upstander Network on http://{host}:{port}")
    # Flask refuses app.run() under its CLI; this command is the deliberate exception.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)


def follow_served_address(app: Flask, host: str, port: int) -> None:
    """Without SITE_URL, let mail links name the address `serve` really listens on."""
    if settings_of(app).site_url_derived:
        replace_settings(app, site_url=served_url(host, port))


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def worker(celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker (extra arguments go to celery)."""
    celery_app = current_app.extensions["celery"]
    # Before Celery starts its threads and pool processes: they inherit the priority.
    yield_to_requests(settings().worker_niceness)
    celery_app.worker_main(["worker", "--loglevel=INFO", *celery_args])


def yield_to_requests(niceness: int) -> int:
    """Run this process (and the threads and processes it starts from now on) at `niceness` at
    least, so that on a machine it shares with web processes, a member's request wins the CPU
    over background jobs (a burst of asks or digests); alone, a job runs at full speed. A
    process started nicer stays so. Return the niceness it runs at (0 where the system has no
    such priority)."""
    if not hasattr(os, "getpriority"):  # not a POSIX system
        return 0
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    return os.getpriority(os.PRIO_PROCESS, 0)


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def beat(celery_args: tuple[str, ...]) -> None:
    """Run Celery beat, the one scheduler of the installation."""
    celery_app = current_app.extensions["celery"]
    schedule = beat_schedule_file(current_app)
    celery_app.start(["beat", "--loglevel=INFO", f"--schedule={schedule}", *celery_args])


def beat_schedule_file(app: Flask) -> str:
    """Keep beat's state in the instance folder, not in whatever directory it was started from."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    return str(instance / "celerybeat-schedule")


@click.command("create-staff")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="Display name")
@click.option(
    "--role",
    type=click.Choice([Role.ORGANISER.value, Role.ADMIN.value]),
    default=Role.ORGANISER.value,
    show_default=True,
)
@click.password_option()
@with_appcontext
def create_staff(email: str, display_name: str, role: str, password: str) -> None:
    """Create an organiser or admin account."""
    from network.accounts import services
    from network.errors import ServiceError

    try:
        member = services.create_staff(
            email=email, password=password, display_name=display_name, role=Role(role)
        )
    except ServiceError as error:
        problems = "; ".join(f"{name}: {text}" for name, text in error.fields.items())
        raise click.ClickException(f"{error.message} {problems}".strip()) from None
    click.echo(f"Created {role} {member.email} (id {member.id}).")


@click.command()
@with_appcontext
def seed() -> None:
    """Add demo data (an organiser, members, a team) unless it is there already."""
    from network.demo import seed_demo_data

    environment = settings().environment
    if environment not in {"development", "test"}:
        # The demo logins share a published password: on a real site anyone could use them.
        raise click.ClickException(
            f"Refusing to seed demo accounts in {environment}: their password is public. "
            "Demo data is for development only."
        )
    for line in seed_demo_data():
        click.echo(line)


@click.command("send-digests")
@click.option("--member", "email", default=None, help="Only this member (their email address).")
@click.option(
    "--preview",
    is_flag=True,
    help="With --member: print their digest for the latest period; send and record nothing.",
)
@with_appcontext
def send_digests(email: str | None, preview: bool) -> None:
    """Send every digest that is due now, in this process, and say why others are not."""
    from network.digests import services, waiting
    from network.errors import ServiceError

    if preview:
        if not email:
            raise click.UsageError("--preview needs --member EMAIL.")
        try:
            message = waiting.preview(email)
        except ServiceError as error:
            raise click.ClickException(error.message) from None
        text = message.get_body(preferencelist=("plain",))
        click.echo(f"Subject: {message['Subject']}")
        click.echo(f"To: {message['To']}")
        click.echo("")
        click.echo(text.get_content() if text is not None else "")
        return
    only = _member_id(email) if email else None
    # A claim id of this run's own: two runs at once never send the same digests.
    run = f"cli-{uuid.uuid4().hex}"
    sent = 0

    def send_now(batch: services.Batch) -> None:
        nonlocal sent
        result = services.send_batch(batch, claimed_by=run)
        sent += len(result.sent)
        for member_id, problem in result.failed.items():
            click.echo(f"member {member_id}: {problem}", err=True)

    services.send_due_digests(send_now, member_id=only)
    click.echo(f"Sent {sent} digests.")
    if only is None:
        for line in waiting.not_due().lines():
            click.echo(line)
    elif not sent:
        click.echo(f"No digest was due for {email}: see `send-digests` without --member for why.")


def _member_id(email: str) -> int:
    """Return the id of the member with this email address, or stop with a clear message."""
    import sqlalchemy as sa

    from network.accounts.models import Member
    from network.extensions import db

    member_id = db.session.scalar(sa.select(Member.id).where(Member.email == email.strip().lower()))
    if member_id is None:
        raise click.ClickException(f"No member has the email address {email}.")
    return int(member_id)
