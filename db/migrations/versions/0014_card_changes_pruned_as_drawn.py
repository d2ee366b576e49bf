"""candidates.card_shown goes: a card is behind while any card_changes row of its loop is left

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 23:50:00.000000

A refresh now deletes exactly the card_changes rows it saw before drawing the card. Comparing
the newest row with the last one drawn missed a change whose transaction committed after a
later one's refresh had read: its row had the lower id. Rows left over from 0013 are read as
changes not yet drawn, so each posted card is refreshed once more by the scheduler.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("card_shown")


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_shown", sa.Integer(), server_default="0", nullable=False))
