"""Dispatch's migrations on SQLite: a fresh database, and one with work orders made before 0002."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command

from tests.unit.service_runtime import table_columns
from tousu_shared.db.engine import make_engine
from tousu_shared.db.migrate import alembic_config, is_at_head, upgrade

PACKAGE = "tousu_dispatch.migrations"


async def _alembic(url: str, op: str, revision: str) -> None:
    engine = make_engine(url)
    config = alembic_config(PACKAGE, url)

    def run(connection: Any) -> None:
        config.attributes["connection"] = connection
        getattr(command, op)(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)
    await engine.dispose()


async def test_a_fresh_database_gets_work_orders_and_their_actions(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'dispatch.db'}"
    engine = make_engine(url)
    await upgrade(engine, PACKAGE)
    assert await is_at_head(engine, PACKAGE)
    await engine.dispose()
    tables = await table_columns(url)
    assert {"regime", "regime_version", "topic", "urgency", "severity", "status", "updated_at"} <= tables[
        "work_orders"
    ]
    assert tables["work_order_actions"] >= {
        "action_id",
        "work_order_id",
        "seq",
        "verb",
        "by_staff",
        "to_role",
        "reason",
        "note",
        "occurred_at",
    }


async def test_work_orders_made_before_0002_keep_their_rows_and_go_back_down(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'dispatch.db'}"
    await _alembic(url, "upgrade", "0001")
    created = datetime(2026, 1, 5, 1, 0, tzinfo=UTC).replace(tzinfo=None)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO work_orders (work_order_id, complaint_id, tenant_id, estate_id, department,"
                " category, status, created_at) VALUES ('w1', 'c1', 't1', 'e1', 'engineering', 'facility',"
                " 'open', :at)"
            ),
            {"at": created},
        )
    await engine.dispose()
    await _alembic(url, "upgrade", "head")
    engine = make_engine(url)
    async with engine.connect() as conn:
        row = (await conn.execute(sa.text("SELECT regime, status, updated_at FROM work_orders"))).one()
    await engine.dispose()
    assert (row.regime, row.status, str(row.updated_at)) == (None, "open", str(created))
    await _alembic(url, "downgrade", "0001")
    tables = await table_columns(url)
    assert "work_order_actions" not in tables and "updated_at" not in tables["work_orders"]
