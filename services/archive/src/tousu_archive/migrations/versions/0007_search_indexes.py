"""archive: the case list over a million cases — bigrams of what was said (GIN-indexed in
PostgreSQL) and indexes in the list's own order for its usual filters

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: the list's order: newest first, ties by id (routes.list_cases); SQLite sorts NULLs last
#: in a descending order by itself and refuses to be told
_ORDER = {
    "postgresql": "received_at DESC NULLS LAST, complaint_id",
    "sqlite": "received_at DESC, complaint_id",
}
_BY = {
    "ix_case_files_page": "tenant_id",
    "ix_case_files_estate_page": "tenant_id, estate_id",
    "ix_case_files_status_page": "tenant_id, status",
    "ix_case_files_category_page": "tenant_id, category",
    "ix_case_files_department_page": "tenant_id, department",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    postgres, order = dialect == "postgresql", _ORDER[dialect]
    grams = postgresql.ARRAY(sa.Text) if postgres else sa.JSON()
    with op.batch_alter_table("case_files") as batch:
        batch.add_column(sa.Column("search_grams", grams))
    op.drop_index("ix_case_files_received", "case_files")
    for name, columns in _BY.items():
        op.execute(f"CREATE INDEX {name} ON case_files ({columns}, {order})")
    op.execute(
        f"CREATE INDEX ix_case_files_overdue_page ON case_files (tenant_id, {order}) WHERE breaches > 0"
    )
    op.create_index("ix_case_files_building", "case_files", ["estate_id", "building"])
    if postgres:
        op.execute("CREATE INDEX ix_case_files_grams ON case_files USING gin (search_grams)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_case_files_grams")
    op.drop_index("ix_case_files_building", "case_files")
    for name in [*_BY, "ix_case_files_overdue_page"]:
        op.drop_index(name, "case_files")
    op.create_index("ix_case_files_received", "case_files", ["tenant_id", "received_at"])
    with op.batch_alter_table("case_files") as batch:
        batch.drop_column("search_grams")
