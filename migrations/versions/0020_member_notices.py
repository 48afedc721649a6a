"""members and access tokens announce their changes, for the processes' token caches

Revision ID: 0020_member_notices
Revises: 0019_asks_sweep
Create Date: 2026-11-30 11:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020_member_notices'
down_revision = '0019_asks_sweep'
branch_labels = None
depends_on = None

# PostgreSQL sends the notices at the commit, to every connection that listens on the channel
# (network/accounts/token_cache.py); a rolled-back change sends none. SQLite has no notices.
FUNCTION = """
CREATE FUNCTION upstander_member_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('upstander_members', '*');
    ELSIF TG_TABLE_NAME = 'member' THEN
        PERFORM pg_notify('upstander_members', OLD.id::text);
    ELSE
        PERFORM pg_notify('upstander_members', OLD.member_id::text);
    END IF;
    RETURN NULL;
END
$$
"""
TABLES = ('member', 'access_token')


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(FUNCTION)
    for table in TABLES:
        op.execute(
            f'CREATE TRIGGER {table}_changed AFTER UPDATE OR DELETE ON {table} '
            'FOR EACH ROW EXECUTE FUNCTION upstander_member_changed()'
        )
        op.execute(
            f'CREATE TRIGGER {table}_truncated AFTER TRUNCATE ON {table} '
            'FOR EACH STATEMENT EXECUTE FUNCTION upstander_member_changed()'
        )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in TABLES:
        op.execute(f'DROP TRIGGER {table}_changed ON {table}')
        op.execute(f'DROP TRIGGER {table}_truncated ON {table}')
    op.execute('DROP FUNCTION upstander_member_changed()')
