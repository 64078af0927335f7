"""Rows a batch of events keeps coming back to, found without a database round trip each.

A handler that looks a row up with ``session.get`` pays twice when the row is new, which is
most of the time (the complaint arrived a moment ago): the lookup first flushes everything
the batch added so far (autoflush), then asks the database for a row that is not there. So
a consumer's transaction keeps a :class:`BatchRows`:

* before its handlers run, :func:`preload` reads the rows the batch's events name in one
  SELECT per table, and remembers which keys have no row;
* every row added to the session afterwards is remembered as it is added (a session event),
  so a later event of the same batch finds it although it is not flushed yet;
* :func:`find` answers from those, and asks the database (without flushing) only for what
  no preload covered.

A row added in a SAVEPOINT that was rolled back is no longer in the session; :func:`find`
then treats it as never added.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import event, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

Row = TypeVar("Row")

_KEY = "tousu_batch_rows"


@dataclass
class BatchRows:
    rows: dict[tuple[type, Any], Any] = field(default_factory=dict)
    #: per table, the leading primary-key values whose rows are all in ``rows`` (or absent)
    covered: dict[type, set[Any]] = field(default_factory=dict)

    def covers(self, model: type, key: Any) -> bool:
        lead = key[0] if isinstance(key, tuple) else key
        return lead in self.covered.get(model, ())


def keep_batch_rows(session: AsyncSession) -> BatchRows:
    """Start remembering rows in this session (a consumer does it as its transaction opens)."""
    rows: BatchRows = session.info.setdefault(_KEY, BatchRows())
    return rows


def _primary_key(instance: object) -> Any:
    values = inspect(instance).mapper.primary_key_from_instance(instance)
    if any(v is None for v in values):
        return None
    return values[0] if len(values) == 1 else tuple(values)


@event.listens_for(Session, "transient_to_pending")
def _remember_added(session: Session, instance: object) -> None:
    rows: BatchRows | None = session.info.get(_KEY)
    if rows is not None and (key := _primary_key(instance)) is not None:
        rows.rows[(type(instance), key)] = instance


@dataclass(frozen=True)
class Preload:
    """A table a consumer's handler looks rows up in by complaint id; ``for_update`` locks the
    rows until the batch commits, as a handler's ``SELECT … FOR UPDATE`` would."""

    model: type
    for_update: bool = False


async def preload(
    session: AsyncSession, model: type, leads: Collection[Any], *, for_update: bool = False
) -> None:
    """Read every row of ``model`` whose first primary-key column is one of ``leads``."""
    rows = session.info.get(_KEY)
    if rows is None or not leads:
        return
    wanted = set(leads) - rows.covered.get(model, set())
    if not wanted:
        return
    column: Any = inspect(model).primary_key[0]
    query: Any = select(model).where(column.in_(sorted(wanted)))  # sorted: locks taken in one order
    with session.no_autoflush:
        found: Any
        for found in await session.scalars(query.with_for_update() if for_update else query):
            rows.rows.setdefault((model, _primary_key(found)), found)
    rows.covered.setdefault(model, set()).update(wanted)


async def find(session: AsyncSession, model: type[Row], key: Any, *, for_update: bool = False) -> Row | None:
    """The row of ``model`` with primary key ``key``, or None; without flushing the session.
    ``for_update`` locks a row it has to ask the database for (a preload locks its own)."""
    rows: BatchRows | None = session.info.get(_KEY)
    if rows is None:
        return await session.get(model, key, with_for_update=for_update)
    row = rows.rows.get((model, key))
    if row is not None:
        if row in session and row not in session.deleted:
            return row
        del rows.rows[(model, key)]  # rolled back or deleted since
        return None if rows.covers(model, key) else await _ask(session, rows, model, key, for_update)
    if rows.covers(model, key):
        return None
    return await _ask(session, rows, model, key, for_update)


async def _ask(
    session: AsyncSession, rows: BatchRows, model: type[Row], key: Any, for_update: bool
) -> Row | None:
    with session.no_autoflush:
        row = await session.get(model, key, with_for_update=for_update)
    if row is not None:
        rows.rows[(model, key)] = row
    return row


async def row_for(session: AsyncSession, model: type[Row], key: Any, new: Callable[[], Row]) -> Row:
    """The row of ``model`` with primary key ``key``, else ``new()`` added to the session."""
    row = await find(session, model, key)
    if row is None:
        row = new()
        session.add(row)
    return row
