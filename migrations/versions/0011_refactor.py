"""alert.flag_count is named for what it counts: reporter_count

Revision ID: 0011_refactor
Revises: 0010_realtime
Create Date: 2026-11-28 11:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_refactor'
down_revision = '0010_realtime'
branch_labels = None
depends_on = None


def upgrade():
    rename('flag_count', 'reporter_count')


def downgrade():
    rename('reporter_count', 'flag_count')


def rename(old, new):
    # Both databases rename a column in place and rewrite the CHECK that names it. PostgreSQL
    # also renames the constraint; SQLite cannot address a CHECK by name, and needs not.
    op.execute(f'ALTER TABLE alert RENAME COLUMN {old} TO {new}')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            f'ALTER TABLE alert RENAME CONSTRAINT ck_alert_{old}_positive TO ck_alert_{new}_positive'
        )
