"""feed order index: the urgency index follows the feed's order

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # Severity and help descending, then oldest first: the first page of the feed is the start
    # of this index instead of a sort of every open alert of the most urgent kind.
    op.drop_index('ix_alert_urgency', table_name='alert')
    op.create_index(
        'ix_alert_urgency',
        'alert',
        ['status', sa.text('severity DESC'), sa.text('target_requested_help DESC'), 'created_at', 'id'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_alert_urgency', table_name='alert')
    op.create_index(
        'ix_alert_urgency', 'alert', ['status', 'severity', 'target_requested_help', 'created_at'], unique=False
    )
