"""reach members where they are: push subscriptions, reach settings, group chats;
how each ask was delivered; when an alert went live and was first claimed

Revision ID: 0013_push
Revises: 0011_refactor
Create Date: 2026-11-28 09:06:54.258630

"""
from alembic import op
import sqlalchemy as sa

import network.db


# revision identifiers, used by Alembic.
revision = '0013_push'
down_revision = '0011_refactor'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('push_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('endpoint', sa.String(length=1024), nullable=False),
    sa.Column('p256dh', sa.String(length=128), nullable=False),
    sa.Column('auth', sa.String(length=64), nullable=False),
    sa.Column('device', sa.String(length=80), nullable=False),
    sa.Column('created_at', network.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_sent_at', network.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_push_subscription_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscription')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscription_endpoint'))
    )
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscription_member_id'), ['member_id'], unique=False)

    op.create_table('reach_settings',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('team_alerts', sa.Boolean(), nullable=False),
    sa.Column('severe_alerts', sa.Boolean(), nullable=False),
    sa.Column('campaign_launches', sa.Boolean(), nullable=False),
    sa.Column('reviews', sa.Boolean(), nullable=False),
    sa.Column('ask_mail', sa.Boolean(), nullable=False),
    sa.Column('detailed', sa.Boolean(), nullable=False),
    sa.Column('quiet_from', sa.Integer(), nullable=False),
    sa.Column('quiet_until', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_reach_settings_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_reach_settings'))
    )
    op.create_table('group_chat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('url', sa.String(length=1024), nullable=False),
    sa.Column('hint', sa.String(length=40), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', network.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['member.id'], name=op.f('fk_group_chat_created_by_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_group_chat_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_chat'))
    )
    with op.batch_alter_table('group_chat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_chat_team_id'), ['team_id'], unique=False)

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('live_at', network.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_claim_at', network.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_at', network.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.Enum('feed', 'push', 'email', name='ask_channel', native_enum=False, create_constraint=True), nullable=True))

    # Earlier asks reached members through the open feed; earlier alerts went live when posted
    # or approved, and their first claim is the earliest action.
    op.execute("UPDATE ask SET delivered_at = asked_at, channel = 'feed'")
    op.execute(
        "UPDATE alert SET live_at = COALESCE(reviewed_at, created_at) "
        "WHERE status IN ('open', 'resolved', 'expired')"
    )
    op.execute(
        "UPDATE alert SET first_claim_at = "
        "(SELECT MIN(claimed_at) FROM action WHERE action.alert_id = alert.id)"
    )


def downgrade():
    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.drop_column('channel')
        batch_op.drop_column('delivered_at')

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_column('first_claim_at')
        batch_op.drop_column('live_at')

    with op.batch_alter_table('group_chat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_chat_team_id'))

    op.drop_table('group_chat')
    op.drop_table('reach_settings')
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscription_member_id'))

    op.drop_table('push_subscription')
