"""intake: complaint status (rejected, linked), clarification questions

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_complaints") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="received"))
        batch.add_column(sa.Column("related_to", sa.String(64)))
        batch.add_column(sa.Column("reject_reason", sa.String(64)))
        batch.create_index("ix_intake_complaints_status", ["status"])
    op.create_table(
        "intake_clarifications",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("contact_index", sa.String(64), nullable=False, index=True),
        sa.Column("questions", sa.Text, nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("intake_clarifications")
    with op.batch_alter_table("intake_complaints") as batch:
        batch.drop_index("ix_intake_complaints_status")
        batch.drop_column("reject_reason")
        batch.drop_column("related_to")
        batch.drop_column("status")
