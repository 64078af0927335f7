"""intake: an estate's values for its regime's parameters, and the complaint's copy of them

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_estates") as batch:
        batch.add_column(sa.Column("parameters", sa.Text, nullable=False, server_default="{}"))
    with op.batch_alter_table("intake_complaints") as batch:
        batch.add_column(sa.Column("parameters", sa.Text, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("intake_complaints") as batch:
        batch.drop_column("parameters")
    with op.batch_alter_table("intake_estates") as batch:
        batch.drop_column("parameters")
