"""dispatch: classification and regime on work orders, staff actions

Work orders made before this revision keep NULL in the new classification columns and
take their creation time as ``updated_at``.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("regime", sa.String(100)))
        batch.add_column(sa.Column("regime_version", sa.Integer))
        batch.add_column(sa.Column("topic", sa.String(64)))
        batch.add_column(sa.Column("urgency", sa.String(64)))
        batch.add_column(sa.Column("severity", sa.String(64)))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE work_orders SET updated_at = created_at")
    with op.batch_alter_table("work_orders") as batch:
        batch.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_index("ix_work_orders_status", ["status"])
    op.create_table(
        "work_order_actions",
        sa.Column("action_id", sa.String(64), primary_key=True),
        sa.Column(
            "work_order_id",
            sa.String(64),
            sa.ForeignKey("work_orders.work_order_id"),
            nullable=False,
            index=True,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("verb", sa.String(32), nullable=False),
        sa.Column("by_staff", sa.String(64), nullable=False),
        sa.Column("to_role", sa.String(64)),
        sa.Column("reason", sa.String(500)),
        sa.Column("note", sa.Text),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("clock", sa.String(64)),
        sa.Column("severity", sa.String(64)),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("work_order_id", "seq", name="uq_work_order_actions_seq"),
    )


def downgrade() -> None:
    op.drop_table("work_order_actions")
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_index("ix_work_orders_status")
        for column in ("updated_at", "severity", "urgency", "topic", "regime_version", "regime"):
            batch.drop_column(column)
