"""card_changes and candidates.card_shown: which changes the loop card in Slack has drawn

Revision ID: 0013
Revises: 0009
Create Date: 2026-11-30 19:40:00.000000

A change the card shows inserts a card_changes row in its own transaction; a refresh records
the last one it drew in candidates.card_shown. The scheduler mends cards left behind (a refresh
lost to a stopped worker or a Slack error). Existing loops start with no change to draw.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_shown", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "card_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_card_changes_candidate_id"), "card_changes", ["candidate_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_card_changes_candidate_id"), table_name="card_changes")
    op.drop_table("card_changes")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("card_shown")
