"""sla-monitor: cases with their inputs and next due instant, clock runs

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.drop_table("sla_observed")  # the placeholder that only counted events
    op.create_table(
        "sla_cases",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("estate_id", sa.String(64), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("regime", sa.String(100)),
        sa.Column("regime_version", sa.Integer),
        sa.Column("department", sa.String(64)),
        _at("received_at"),
        sa.Column("classification", sa.Text),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("published", sa.Integer, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("review_item", sa.Boolean, nullable=False),
        sa.Column("actions", sa.Integer, nullable=False),
        _at("next_due_at"),
        _at("updated_at", nullable=False),
    )
    op.create_index("ix_sla_cases_next_due_at", "sla_cases", ["next_due_at"])
    op.create_table(
        "sla_clock_runs",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("run", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("estate_id", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(64)),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("is_open", sa.Boolean, nullable=False),
        _at("started_at", nullable=False),
        _at("due_at", nullable=False),
        _at("not_before"),
        _at("stopped_at"),
        _at("warned_at"),
        _at("breached_at"),
        sa.Column("paused_seconds", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_sla_clock_runs_queue", "sla_clock_runs", ["tenant_id", "department", "is_open", "due_at"]
    )


def downgrade() -> None:
    op.drop_table("sla_clock_runs")
    op.drop_table("sla_cases")
    op.create_table(
        "sla_observed",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("last_event_type", sa.String(100), nullable=False),
        sa.Column("events_seen", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
