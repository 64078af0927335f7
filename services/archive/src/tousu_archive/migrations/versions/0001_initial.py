"""archive: case files, case events, outbox

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
        "case_files",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("estate_id", sa.String(64), nullable=False, index=True),
        sa.Column("regime", sa.String(100)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32)),
        sa.Column("room", sa.String(40)),
        sa.Column("topic", sa.String(64)),
        sa.Column("category", sa.String(64)),
        sa.Column("department", sa.String(64)),
        sa.Column("work_order_id", sa.String(64)),
        sa.Column("received_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "case_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("complaint_id", sa.String(64), nullable=False, index=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("causation_id", sa.String(64)),
        sa.Column("payload", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_events")
    op.drop_table("case_files")
    drop_delivery_tables(op)
