"""interviews/debriefs.invite_sequence: the iCalendar SEQUENCE of each calendar invite

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 02:00:00.000000

reminders.kind gains "invite" and "invite_cancel". It is a string column without a CHECK
(db.models._enum: native_enum=False), so the new values need no DDL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
# Written against 0004; main had landed 0007 (personal hours) on 0004 by the time this merged,
# so it follows 0007. 0005 (another branch) re-points whichever lands last.
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing interviews and debriefs never had an invite: their first one is SEQUENCE 0.
    for table in ("interviews", "debriefs"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("invite_sequence", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    for table in ("interviews", "debriefs"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("invite_sequence")
