"""Callback's migrations on SQLite: up to head (the placeholder table replaced) and back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command

from tests.unit.service_runtime import table_columns
from tousu_shared.db.engine import make_engine
from tousu_shared.db.migrate import alembic_config, is_at_head, upgrade

PACKAGE = "tousu_callback.migrations"


async def test_upgrade_makes_the_cases_table_and_downgrade_restores_the_placeholder(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'callback.db'}"
    engine = make_engine(url)
    await upgrade(engine, PACKAGE)
    assert await is_at_head(engine, PACKAGE)
    await engine.dispose()
    tables = await table_columns(url)
    assert "callback_observed" not in tables
    assert tables["callback_cases"] == {
        "complaint_id",
        "tenant_id",
        "estate_id",
        "work_order_id",
        "status",
        "reopened",
        "updated_at",
    }
    assert {"callback_intake_facts", "callback_case_files", "callback_tasks", "staff_contacts"} <= set(tables)

    engine = make_engine(url)
    config = alembic_config(PACKAGE, url)

    def down(connection: Any) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")

    async with engine.begin() as conn:
        await conn.run_sync(down)
    await engine.dispose()
    tables = await table_columns(url)
    assert "callback_cases" not in tables and "callback_observed" in tables
