"""impact figures kept ready for the usual periods

Revision ID: 0017_impact_snapshot
Revises: 0016_unread
Create Date: 2026-11-28 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import network.db


# revision identifiers, used by Alembic.
revision = '0017_impact_snapshot'
down_revision = '0016_unread'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'impact_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('computed_at', network.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_impact_snapshot')),
        sa.UniqueConstraint('key', name=op.f('uq_impact_snapshot_key')),
    )


def downgrade():
    op.drop_table('impact_snapshot')
