"""candidates.import_batch, import_position, import_total: a loop's place in the import that opened it

Revision ID: 0012
Revises: 0006
Create Date: 2026-11-30 04:00:00.000000

The card of a loop opened by `hirebot import candidates` shows "Imported: loop 12 of 50".
Loops opened before (by hand or by an earlier import) have none of the three: their cards
show no such line.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_batch", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("import_position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("import_total", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("import_total")
        batch_op.drop_column("import_position")
        batch_op.drop_column("import_batch")
