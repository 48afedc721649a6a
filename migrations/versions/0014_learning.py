"""learning loop: check-ins after actions, the template an action used, norm-message experiments

Revision ID: 0014_learning
Revises: 0013_push
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import network.db


# revision identifiers, used by Alembic.
revision = '0014_learning'
down_revision = '0013_push'
branch_labels = None
depends_on = None

OUTCOMES = "'content_removed', 'author_calmed', 'target_positive', 'others_joined', 'retaliation', 'nothing_visible', 'dont_know'"
DECISIONS = "'removed', 'restricted', 'no_action', 'no_answer_yet'"


def upgrade():
    op.create_table(
        'experiment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('arms', sa.JSON(), nullable=False),
        sa.Column('minimum_effect', sa.Double(), nullable=False),
        sa.Column('status', sa.String(length=7), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('started_at', network.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('stopped_at', network.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.CheckConstraint("status IN ('running', 'stopped')", name=op.f('ck_experiment_experiment_status')),
        sa.ForeignKeyConstraint(['created_by_id'], ['member.id'], name=op.f('fk_experiment_created_by_id_member'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_experiment')),
    )
    with op.batch_alter_table('experiment', schema=None) as batch_op:
        batch_op.create_index('uq_experiment_running', ['status'], unique=True, postgresql_where=sa.text("status = 'running'"), sqlite_where=sa.text("status = 'running'"))
    op.create_table(
        'check_in',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('due_at', network.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('asked_at', network.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('answered_at', network.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=15), nullable=True),
        sa.Column('platform_decision', sa.String(length=13), nullable=True),
        sa.Column('statement_of_reasons', sa.Boolean(), nullable=True),
        sa.Column('created_at', network.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"outcome IN ({OUTCOMES})", name=op.f('ck_check_in_check_in_outcome')),
        sa.CheckConstraint(f"platform_decision IN ({DECISIONS})", name=op.f('ck_check_in_platform_decision')),
        sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_check_in_action_id_action'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_check_in_member_id_member'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in')),
        sa.UniqueConstraint('action_id', name=op.f('uq_check_in_action_id')),
    )
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.create_index('ix_check_in_due', ['asked_at', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_in_member_id'), ['member_id'], unique=False)
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('template_tone', sa.String(length=32), nullable=True))
    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('experiment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('experiment_arm', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_digest_experiment_id'), ['experiment_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_digest_experiment_id_experiment'), 'experiment', ['experiment_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_digest_experiment_id_experiment'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_digest_experiment_id'))
        batch_op.drop_column('experiment_arm')
        batch_op.drop_column('experiment_id')
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_column('template_tone')
        batch_op.drop_column('template_id')
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_in_member_id'))
        batch_op.drop_index('ix_check_in_due')
    op.drop_table('check_in')
    with op.batch_alter_table('experiment', schema=None) as batch_op:
        batch_op.drop_index('uq_experiment_running', postgresql_where=sa.text("status = 'running'"), sqlite_where=sa.text("status = 'running'"))
    op.drop_table('experiment')
