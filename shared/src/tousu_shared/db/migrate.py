"""Alembic, per service: each service package has ``migrations/`` with its own versions.

Services run ``upgrade head`` on start-up when ``TOUSU_AUTO_MIGRATE`` is true (local runs,
tests); on Kubernetes a Job runs ``tousu db upgrade SERVICE`` before the rollout.
"""

from __future__ import annotations

import asyncio
from importlib.resources import files
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine


def alembic_config(migrations_package: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files(migrations_package)))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(engine: AsyncEngine, migrations_package: str) -> None:
    config = alembic_config(migrations_package, engine.url.render_as_string(hide_password=False))

    def _run(connection: Any) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as conn:
        await conn.run_sync(_run)


async def is_at_head(engine: AsyncEngine, migrations_package: str) -> bool:
    config = alembic_config(migrations_package, engine.url.render_as_string(hide_password=False))
    heads = set(ScriptDirectory.from_config(config).get_heads())

    def _current(connection: Any) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as conn:
        return await conn.run_sync(_current) == heads


def upgrade_sync(engine: AsyncEngine, migrations_package: str) -> None:
    asyncio.run(upgrade(engine, migrations_package))
