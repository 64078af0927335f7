"""archive: the audit trail, append-only (the database refuses UPDATE and DELETE)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# one statement each: asyncpg prepares every statement on its own
_REFUSE_PG = (
    """CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP;
END $$""",
    """CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("estate_id", sa.String(64), nullable=False, index=True),
        sa.Column("complaint_id", sa.String(64), nullable=False, index=True),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("action", sa.String(100), nullable=False, index=True),
        sa.Column("actor", sa.String(255), nullable=False, index=True),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_issuer", sa.String(255)),
        sa.Column("acting_for", sa.String(64)),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("caused_event_id", sa.String(64)),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in _REFUSE_PG:
            op.execute(statement)
    else:  # SQLite (make run)
        for when in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entries_no_{when.lower()} BEFORE {when} ON audit_entries "
                f"BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only: {when} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
    op.drop_table("audit_entries")
