"""alerts never asked about: a partial index for the sweep that queues their asks job again

Revision ID: 0019_asks_sweep
Revises: 0018_asks_job
Create Date: 2026-11-28 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_asks_sweep'
down_revision = '0018_asks_job'
branch_labels = None
depends_on = None

NOT_ASKED = sa.text("asks_sent_at IS NULL AND live_at IS NOT NULL")


def upgrade():
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(
            'ix_alert_not_asked',
            ['live_at'],
            unique=False,
            postgresql_where=NOT_ASKED,
            sqlite_where=NOT_ASKED,
        )


def downgrade():
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_not_asked')
