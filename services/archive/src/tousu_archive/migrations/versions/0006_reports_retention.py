"""archive: what the reports, retention and the case library need — each clock run's outcome,
reviews (substantiated, against whom), legal hold and purge marks, regions, the library,
stored reports; the timeline becomes append-only (an UPDATE may only redact, once)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
# one statement each: asyncpg prepares every statement on its own
_GUARD_PG = (
    """CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
     AND NEW.event_id = OLD.event_id AND NEW.type = OLD.type AND NEW.occurred_at = OLD.occurred_at THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'case_events is append-only (a purge may redact an entry once): % refused', TG_OP;
END $$""",
    """CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
  FOR EACH ROW EXECUTE FUNCTION case_events_append_only()""",
)
_GUARD_SQLITE = (
    "CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events "
    "BEGIN SELECT RAISE(ABORT, 'case_events is append-only: DELETE refused'); END",
    "CREATE TRIGGER case_events_redact_only BEFORE UPDATE ON case_events "
    "WHEN NOT (OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL "
    "AND NEW.event_id = OLD.event_id AND NEW.type = OLD.type AND NEW.occurred_at = OLD.occurred_at) "
    "BEGIN SELECT RAISE(ABORT, 'case_events is append-only (a purge may redact an entry once): "
    "UPDATE refused'); END",
)


def upgrade() -> None:
    with op.batch_alter_table("case_files") as batch:
        batch.add_column(sa.Column("resolved_at", _TS))
        batch.add_column(sa.Column("substantiated", sa.Boolean))
        batch.add_column(sa.Column("staff_involved", sa.String(500)))
        batch.add_column(sa.Column("reviewed_at", _TS))
        batch.add_column(sa.Column("retention_years", sa.Float))
        batch.add_column(sa.Column("legal_hold", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("hold_reason", sa.String(500)))
        batch.add_column(sa.Column("purged_at", _TS))
        batch.add_column(sa.Column("purge_after", _TS))
    op.create_index("ix_case_files_purge_after", "case_files", ["purge_after"])
    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("redacted_at", _TS))
    op.create_table(
        "clock_runs",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("clock", sa.String(64), primary_key=True),
        sa.Column("started_at", _TS, primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("estate_id", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64)),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("breached_at", _TS),
        sa.Column("stopped_at", _TS),
    )
    op.create_table(
        "report_regions",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(64), primary_key=True),
        sa.Column("estate_id", sa.String(64), primary_key=True),
    )
    op.create_table(
        "library_entries",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("estate_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("lesson", sa.Text),
        sa.Column("topic", sa.String(64)),
        sa.Column("category", sa.String(64)),
        sa.Column("marked_by", sa.String(255), nullable=False),
        sa.Column("marked_at", _TS, nullable=False),
    )
    op.create_table(
        "stored_reports",
        sa.Column("report_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
        sa.Column("xlsx", sa.LargeBinary, nullable=False),
        sa.Column("pdf", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("tenant_id", "kind", "scope", "period", name="uq_stored_reports_period"),
    )
    statements = _GUARD_PG if op.get_bind().dialect.name == "postgresql" else _GUARD_SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_events_append_only ON case_events")
        op.execute("DROP FUNCTION IF EXISTS case_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_events_no_delete")
        op.execute("DROP TRIGGER IF EXISTS case_events_redact_only")
    for table in ("stored_reports", "library_entries", "report_regions", "clock_runs"):
        op.drop_table(table)
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("redacted_at")
    op.drop_index("ix_case_files_purge_after", "case_files")
    with op.batch_alter_table("case_files") as batch:
        for name in (
            "purge_after",
            "purged_at",
            "hold_reason",
            "legal_hold",
            "retention_years",
            "reviewed_at",
            "staff_involved",
            "substantiated",
            "resolved_at",
        ):
            batch.drop_column(name)
