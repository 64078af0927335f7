"""dispatch: how often a work order's case was reopened, and why the last time

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("reopened", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("reopen_reason", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("reopen_reason")
        batch.drop_column("reopened")
