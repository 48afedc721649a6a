"""one alert per thread: recompute canonical URLs under the new rules

Revision ID: 0010_realtime
Revises: 0009
Create Date: 2026-11-28 10:00:00.000000

"""
import hashlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_realtime'
down_revision = '0009'
branch_labels = None
depends_on = None

ACTIVE = ('pending_review', 'open')
alert = sa.table(
    'alert',
    sa.column('id', sa.Integer),
    sa.column('url', sa.String),
    sa.column('canonical_url', sa.String),
    sa.column('canonical_hash', sa.String),
    sa.column('platform', sa.String),
    sa.column('status', sa.String),
    sa.column('created_at', sa.DateTime),
)


def upgrade():
    recanonicalise(op.get_bind())


def downgrade():
    pass  # the finer canonical forms stay; the older code reads them like any other


def recanonicalise(connection):
    """Recompute every alert's canonical URL, hash and platform from the URL it was posted with.

    Two active alerts may now name one thread. The unique index allows one: the oldest gets the
    new form, the others keep the form they had (they stay separate until they close)."""
    from network.alerts.urls import InvalidUrl, canonicalise

    rows = connection.execute(
        sa.select(alert.c.id, alert.c.url, alert.c.canonical_url, alert.c.canonical_hash,
                  alert.c.platform, alert.c.status)
        .order_by(alert.c.created_at, alert.c.id)
    ).all()
    taken = set()
    changes = {}
    for row in rows:
        try:
            new = canonicalise(row.url)
        except InvalidUrl:
            continue
        wanted = (new.url, new.digest, new.platform.value)
        if row.status in ACTIVE:
            if new.digest in taken:
                if row.canonical_hash not in taken:
                    taken.add(row.canonical_hash)
                    continue  # a duplicate of an older active alert: left as it was
                # Its old form went to an older alert too: a form of its own keeps it apart.
                unique = hashlib.sha256(f'{new.url}#alert-{row.id}'.encode()).hexdigest()
                wanted = (row.canonical_url, unique, new.platform.value)
            taken.add(wanted[1])
        if wanted != (row.canonical_url, row.canonical_hash, row.platform):
            changes[row.id] = (row.status in ACTIVE, wanted)
    # Active rows move in two steps, so no row ever holds a form another still has.
    for alert_id, (active, _wanted) in changes.items():
        if active:
            connection.execute(
                alert.update().where(alert.c.id == alert_id)
                .values(canonical_hash=f'migrating-{alert_id}')
            )
    for alert_id, (_active, (url, digest, platform)) in changes.items():
        connection.execute(
            alert.update().where(alert.c.id == alert_id)
            .values(canonical_url=url, canonical_hash=digest, platform=platform)
        )
