"""intake: complaints by channel account and time, for each account's status (last received,
how many in the last day) without reading every complaint of the group

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_intake_complaints_account_received", "intake_complaints", ["account_id", "received_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_intake_complaints_account_received", table_name="intake_complaints")
