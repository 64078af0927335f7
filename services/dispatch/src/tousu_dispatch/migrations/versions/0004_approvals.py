"""dispatch: approvals (plans where the regime asks, compensations)

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispatch_approvals",
        sa.Column("approval_id", sa.String(64), primary_key=True),
        sa.Column(
            "work_order_id",
            sa.String(64),
            sa.ForeignKey("work_orders.work_order_id"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("approver_role", sa.String(64)),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.String(2000)),
    )


def downgrade() -> None:
    op.drop_table("dispatch_approvals")
