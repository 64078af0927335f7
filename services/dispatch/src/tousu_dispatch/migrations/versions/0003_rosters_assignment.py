"""dispatch: estate rosters, and who has each work order

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("assignee", sa.String(64)))
        batch.add_column(sa.Column("team_id", sa.String(64)))
        batch.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True)))
        batch.create_index("ix_work_orders_assignee", ["assignee"])
    op.create_table(
        "dispatch_rosters",
        sa.Column("estate_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dispatch_rosters")
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_index("ix_work_orders_assignee")
        batch.drop_column("assigned_at")
        batch.drop_column("team_id")
        batch.drop_column("assignee")
