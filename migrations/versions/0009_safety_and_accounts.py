"""safety and accounts: email verification, trust changes, campaign mail opt-out, one public
voice per member and alert, in-app notices

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import network.db


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PUBLIC_VOICE_CLAIM = "type IN ('counter_speech', 'support_target_public') AND status IN ('claimed', 'done')"


def upgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', network.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('trust_changed_at', network.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('campaign_mail', sa.Boolean(), server_default=sa.true(), nullable=False))
    # Members who joined before verification existed keep receiving the mail they chose.
    op.execute("UPDATE member SET email_verified_at = created_at")
    # A member who holds both public forms on one alert keeps the earliest; the rest are released.
    op.execute(
        "UPDATE action SET status = 'released', ended_at = claimed_at "
        f"WHERE {PUBLIC_VOICE_CLAIM} AND EXISTS (SELECT 1 FROM action AS earlier "
        "WHERE earlier.alert_id = action.alert_id AND earlier.member_id = action.member_id "
        "AND earlier.type IN ('counter_speech', 'support_target_public') "
        "AND earlier.status IN ('claimed', 'done') AND earlier.id < action.id)"
    )
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index('uq_action_public_voice', ['alert_id', 'member_id'], unique=True, postgresql_where=sa.text(PUBLIC_VOICE_CLAIM), sqlite_where=sa.text(PUBLIC_VOICE_CLAIM))
    op.create_table(
        'notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.String(length=500), nullable=False),
        sa.Column('created_at', network.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('read_at', network.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_notice_alert_id_alert'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_notice_member_id_member'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index('ix_notice_member_read', ['member_id', 'read_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_member_read')
        batch_op.drop_index(batch_op.f('ix_notice_alert_id'))
    op.drop_table('notice')
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_index('uq_action_public_voice', postgresql_where=sa.text(PUBLIC_VOICE_CLAIM), sqlite_where=sa.text(PUBLIC_VOICE_CLAIM))
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('campaign_mail')
        batch_op.drop_column('trust_changed_at')
        batch_op.drop_column('email_verified_at')
