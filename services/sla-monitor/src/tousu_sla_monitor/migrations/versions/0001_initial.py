"""sla-monitor: observed cases, outbox

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
        "sla_observed",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("last_event_type", sa.String(100), nullable=False),
        sa.Column("events_seen", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sla_observed")
    drop_delivery_tables(op)
