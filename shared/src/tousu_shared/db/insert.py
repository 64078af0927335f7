"""Making a row that concurrent consumers may both want to make, without either failing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_if_absent(session: AsyncSession, model: type[Any], key: list[str], **values: Any) -> None:
    """INSERT … ON CONFLICT (key) DO NOTHING: when two transactions make the same row at once,
    the second waits for the first to commit and then keeps its row (an ORM ``add`` would
    fail it with a unique violation, and its event would end in the DLQ)."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=key))
