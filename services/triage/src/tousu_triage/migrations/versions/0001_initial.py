"""triage: results, outbox

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
        "triage_results",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("regime", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("triage_results")
    drop_delivery_tables(op)
