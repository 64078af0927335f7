"""dispatch: the handover record of a dispatch (004) and when the complaint was received (003's warranty)

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("received_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("work_order_actions") as batch:
        batch.add_column(sa.Column("background", sa.Text))
        batch.add_column(sa.Column("expectation", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("work_order_actions") as batch:
        batch.drop_column("expectation")
        batch.drop_column("background")
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("received_at")
