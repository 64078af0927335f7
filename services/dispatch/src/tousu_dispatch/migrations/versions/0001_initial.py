"""dispatch: work orders, outbox

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from tousu_shared.delivery.tables import create_delivery_tables, drop_delivery_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_delivery_tables(op)
    op.create_table(
        "work_orders",
        sa.Column("work_order_id", sa.String(64), primary_key=True),
        sa.Column("complaint_id", sa.String(64), nullable=False, unique=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("estate_id", sa.String(64), nullable=False, index=True),
        sa.Column("department", sa.String(64), nullable=False, index=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("work_orders")
    drop_delivery_tables(op)
