"""practice

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import network.db


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('practice_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('scenario_code', sa.String(length=40), nullable=False),
    sa.Column('severity', sa.Integer(), nullable=False),
    sa.Column('action_type', sa.Enum('counter_speech', 'message_author', 'support_target_public', 'support_target_private', 'enlist_help', 'report_platform', 'report_authority', name='practice_action_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('agreed', sa.Boolean(), nullable=False),
    sa.Column('created_at', network.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('severity BETWEEN 1 AND 4', name=op.f('ck_practice_answer_severity_range')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_practice_answer_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_answer'))
    )
    with op.batch_alter_table('practice_answer', schema=None) as batch_op:
        batch_op.create_index('ix_practice_answer_member_created', ['member_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('practice_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_practice_answer_member_created')

    op.drop_table('practice_answer')
