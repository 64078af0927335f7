"""sla-monitor: which group each estate belongs to, for the tenancy check of consumed messages

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from tousu_shared.delivery.tables import create_estate_tenants_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_estate_tenants_table(op)


def downgrade() -> None:
    op.drop_table("estate_tenants")
