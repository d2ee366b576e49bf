"""reminders: a partial index of the escalations sent, by interview

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 04:05:00.000000

Every /hire status reads whether each interview's scorecard was escalated. PostgreSQL, with
statistics gathered while the table was young, planned that check as one scan of every sent
reminder, and every DM hirebot sends stays 'sent': the status card grew slower with each week
of use. The partial index holds only the escalations sent, so the check is a lookup by
interview whatever the statistics say.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ESCALATIONS_SENT = "kind = 'escalation' AND status = 'sent'"


def upgrade() -> None:
    op.create_index(
        "ix_reminders_escalations_sent",
        "reminders",
        ["interview_id"],
        postgresql_where=sa.text(ESCALATIONS_SENT),
        sqlite_where=sa.text(ESCALATIONS_SENT),
    )


def downgrade() -> None:
    op.drop_index("ix_reminders_escalations_sent", table_name="reminders")
