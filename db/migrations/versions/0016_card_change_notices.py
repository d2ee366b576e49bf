"""PostgreSQL notifies each change a loop card shows (LISTEN/NOTIFY on hirebot_cards)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:00:00.000000

Each hirebot process keeps the loop cards' rows it has read and drops a loop's when this
trigger says the loop changed (db/card_watch.py), so `/hire status` reads the database only
after a change. The trigger's statements are db/card_watch.py's, which every version creates
with CREATE OR REPLACE / DROP IF EXISTS: a later change to them comes with a migration that
runs them again. SQLite has no notices; there every status reads the database.
"""

from alembic import op

from db.card_watch import drop_ddl, trigger_ddl

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in trigger_ddl():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in drop_ddl():
        op.execute(statement)
