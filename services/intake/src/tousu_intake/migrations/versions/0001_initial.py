"""intake: estates, complaints, outbox

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
        "intake_estates",
        sa.Column("estate_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("regime", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
    )
    op.create_table(
        "intake_complaints",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("estate_id", sa.String(64), nullable=False, index=True),
        sa.Column("regime", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("room", sa.String(40)),
        sa.Column("contact_name", sa.String(50)),
        sa.Column("contact_phone", sa.String(32), nullable=False),
        sa.Column("source_message_id", sa.String(128)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "channel", "source_message_id", name="uq_intake_source_message"),
    )


def downgrade() -> None:
    op.drop_table("intake_complaints")
    op.drop_table("intake_estates")
    drop_delivery_tables(op)
