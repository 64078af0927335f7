"""archive: the regime version each case runs under

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_files", sa.Column("regime_version", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_files") as batch:
        batch.drop_column("regime_version")
