"""triage: the revision of a triage result (a clarification answer reads the case again)

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("triage_results") as batch:
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("triage_results") as batch:
        batch.drop_column("revision")
