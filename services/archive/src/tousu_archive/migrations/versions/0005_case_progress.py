"""archive: the case file follows the case to its end (state, clocks, callbacks) and keeps
what the household dossier and the filters need

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COUNTS = ("breaches", "escalations", "callbacks", "reopened")
_TEXTS = ("callback_at", "satisfaction", "assignee", "summary", "building", "severity", "urgency")


def upgrade() -> None:
    with op.batch_alter_table("case_files") as batch:
        batch.add_column(sa.Column("state_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("urgency", sa.String(64)))
        batch.add_column(sa.Column("severity", sa.String(64)))
        batch.add_column(sa.Column("building", sa.String(20)))
        batch.add_column(sa.Column("summary", sa.Text))
        batch.add_column(sa.Column("assignee", sa.String(64)))
        batch.add_column(sa.Column("satisfaction", sa.String(32)))
        batch.add_column(sa.Column("callback_at", sa.DateTime(timezone=True)))
        for name in _COUNTS:
            batch.add_column(sa.Column(name, sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_case_files_household", "case_files", ["estate_id", "room"])
    op.create_index("ix_case_files_received", "case_files", ["tenant_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_case_files_received", "case_files")
    op.drop_index("ix_case_files_household", "case_files")
    with op.batch_alter_table("case_files") as batch:
        for name in (
            *_COUNTS,
            "callback_at",
            "satisfaction",
            "assignee",
            "summary",
            "building",
            "severity",
            "urgency",
        ):
            batch.drop_column(name)
        batch.drop_column("closed_at")
        batch.drop_column("state_at")
