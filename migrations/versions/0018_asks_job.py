"""personal asks from a job: when an alert's first asks were sent

Revision ID: 0018_asks_job
Revises: 0017_impact_snapshot
Create Date: 2026-11-28 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import network.db


# revision identifiers, used by Alembic.
revision = '0018_asks_job'
down_revision = '0017_impact_snapshot'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asks_sent_at', network.db.UTCDateTime(timezone=True), nullable=True))
    # Alerts that went live before asks moved to a job were asked in their request already.
    op.execute("UPDATE alert SET asks_sent_at = live_at WHERE live_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_column('asks_sent_at')
