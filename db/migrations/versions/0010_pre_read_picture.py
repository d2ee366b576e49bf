"""debriefs.picture_file_id: the Slack file the posted pre-read's heat map shows

Revision ID: 0010
Revises: 0012
Create Date: 2026-11-30 04:00:00.000000

Kept so that a refresh after a restart still replaces the picture (and deletes the old file)
instead of adding a second one. NULL: no picture shown (none yet, or its upload failed).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("debriefs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("picture_file_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("debriefs", schema=None) as batch_op:
        batch_op.drop_column("picture_file_id")
