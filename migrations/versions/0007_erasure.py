"""erasure: actions outlive the volunteer who erased their account

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

LIVE_CLAIM = "status IN ('claimed', 'done')"


def upgrade():
    # SQLite rebuilds the table in batch mode; the partial unique index is recreated by hand so
    # its WHERE clause survives the copy.
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_index('uq_action_live_claim', postgresql_where=sa.text(LIVE_CLAIM), sqlite_where=sa.text(LIVE_CLAIM))
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint('fk_action_member_id_member', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_action_member_id_member'), 'member', ['member_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index('uq_action_live_claim', ['alert_id', 'member_id', 'type'], unique=True, postgresql_where=sa.text(LIVE_CLAIM), sqlite_where=sa.text(LIVE_CLAIM))


def downgrade():
    # Actions of erased members have nobody to belong to any more; they cannot be kept.
    op.execute("DELETE FROM action WHERE member_id IS NULL")
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_index('uq_action_live_claim', postgresql_where=sa.text(LIVE_CLAIM), sqlite_where=sa.text(LIVE_CLAIM))
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_constraint('fk_action_member_id_member', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_action_member_id_member'), 'member', ['member_id'], ['id'], ondelete='CASCADE')
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index('uq_action_live_claim', ['alert_id', 'member_id', 'type'], unique=True, postgresql_where=sa.text(LIVE_CLAIM), sqlite_where=sa.text(LIVE_CLAIM))
