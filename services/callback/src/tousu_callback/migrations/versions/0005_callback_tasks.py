"""callback: what intake and dispatch said of a case (for scripts and the form), callback tasks

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _at(name: str, *, nullable: bool = True, index: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, index=index)


def upgrade() -> None:
    op.create_table(
        "callback_intake_facts",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("estate_id", sa.String(64), nullable=False),
        sa.Column("regime", sa.String(100), nullable=False),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(64)),
        sa.Column("contact_ref", sa.String(64)),
        sa.Column("registered_by", sa.String(64)),
        _at("received_at", nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("complainant", sa.String(64)),
        sa.Column("room", sa.String(64)),
    )
    op.create_table(
        "callback_case_files",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("estate_id", sa.String(64), nullable=False),
        sa.Column("regime", sa.String(100)),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("receiver", sa.String(64)),
        sa.Column("category", sa.String(64)),
        sa.Column("topic", sa.String(64)),
        sa.Column("level", sa.String(64)),
        sa.Column("department", sa.String(64)),
        sa.Column("steps", sa.Text, nullable=False),
        sa.Column("promised", sa.Text),
        sa.Column("resolution", sa.Text),
        _at("resolved_at"),
    )
    with op.batch_alter_table("callback_cases") as batch:
        batch.add_column(sa.Column("reopened", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "callback_tasks",
        sa.Column("task_id", sa.String(64), primary_key=True),
        sa.Column("complaint_id", sa.String(64), nullable=False, index=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("estate_id", sa.String(64), nullable=False, index=True),
        sa.Column("work_order_id", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64), index=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("assignee_role", sa.String(64), nullable=False),
        sa.Column("assignee", sa.String(64), index=True),
        sa.Column("channels", sa.String(100), nullable=False),
        _at("not_before"),
        _at("due_at", nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("attempts_allowed", sa.Integer, nullable=False),
        sa.Column("retry_seconds", sa.Integer, nullable=False),
        _at("next_attempt_at"),
        sa.Column("outcome", sa.String(32)),
        sa.Column("score", sa.Integer),
        sa.Column("comment", sa.Text),
        sa.Column("confirmed", sa.Boolean),
        sa.Column("channel_used", sa.String(32)),
        sa.Column("done_by", sa.String(64)),
        _at("done_at"),
        sa.Column("reopened", sa.Boolean, nullable=False),
        sa.Column("survey_id", sa.String(64)),
        _at("survey_expires_at"),
        _at("survey_used_at"),
        _at("opened_at", nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("callback_cases") as batch:
        batch.drop_column("reopened")
    op.drop_table("callback_tasks")
    op.drop_table("callback_case_files")
    op.drop_table("callback_intake_facts")
