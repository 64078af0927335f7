"""Rows a batch of events keeps coming back to (a case file, a clock run), found once per
session: the identity map only knows flushed rows, and flushing before every lookup is most
of what filing an event would cost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

Row = TypeVar("Row")


async def row_for(session: AsyncSession, model: type[Row], key: Any, new: Callable[[], Row]) -> Row:
    """The row of ``model`` with primary key ``key``: added earlier in this session (and not
    rolled back since), else loaded, else ``new()`` added."""
    seen: dict[tuple[type, Any], Any] = session.info.setdefault("archive_rows", {})
    row = seen.get((model, key))
    if row is not None and row in session:  # a rolled-back savepoint expunges what it added
        return row
    with session.no_autoflush:
        row = await session.get(model, key)
    if row is None:
        row = new()
        session.add(row)
    seen[(model, key)] = row
    return row
