"""members' unread-notice counter, so pages show the badge without a query

Revision ID: 0016_unread
Revises: 0015_webhooks
Create Date: 2026-11-28 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_unread'
down_revision = '0015_webhooks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unread_notices', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        "UPDATE member SET unread_notices = (SELECT count(*) FROM notice"
        " WHERE notice.member_id = member.id AND notice.read_at IS NULL)"
    )


def downgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('unread_notices')
