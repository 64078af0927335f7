"""Rows found once per batch (``delivery/rows.py``): preloaded, added, rolled back, asked for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from tousu_shared.db.engine import make_engine, make_sessionmaker
from tousu_shared.delivery.rows import find, keep_batch_rows, preload, row_for


class Note(SQLModel, table=True):
    __tablename__ = "test_rows_note"
    complaint_id: str = Field(primary_key=True)
    text: str = ""


class Step(SQLModel, table=True):
    __tablename__ = "test_rows_step"
    complaint_id: str = Field(primary_key=True)
    n: int = Field(primary_key=True)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'rows.db'}")
    statements: list[str] = []

    @sa.event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        verb = statement.split()[0].upper()
        if verb != "BEGIN":
            statements.append(verb)

    async with engine.begin() as conn:
        await conn.run_sync(
            lambda c: SQLModel.metadata.create_all(c, tables=[Note.__table__, Step.__table__])  # type: ignore[list-item]
        )
    async with engine.begin() as conn:
        await conn.execute(sa.insert(Note.__table__).values(complaint_id="old", text="on file"))  # type: ignore[arg-type]
        await conn.execute(sa.insert(Step.__table__).values(complaint_id="old", n=1))  # type: ignore[arg-type]
    statements.clear()
    maker = make_sessionmaker(engine)
    maker.statements = statements  # type: ignore[attr-defined]
    yield maker
    await engine.dispose()


def _statements(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    return sessions.statements  # type: ignore[attr-defined,no-any-return]


async def test_after_a_preload_lookups_ask_the_database_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        keep_batch_rows(session)
        await preload(session, Note, {"old", "new-1", "new-2"})
        await preload(session, Step, {"old", "new-1"})
        asked = len(_statements(sessions))
        assert (await find(session, Note, "old")).text == "on file"  # type: ignore[union-attr]
        assert await find(session, Note, "new-1") is None
        assert await find(session, Step, ("old", 1)) is not None
        assert await find(session, Step, ("old", 2)) is None
        assert await find(session, Step, ("new-1", 1)) is None
        assert len(_statements(sessions)) == asked == 2  # one SELECT per table


async def test_a_row_added_earlier_in_the_batch_is_found_before_any_flush(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        keep_batch_rows(session)
        await preload(session, Note, {"new-1"})
        session.add(Note(complaint_id="new-1", text="first event"))
        found = await find(session, Note, "new-1")
        assert found is not None and found.text == "first event"
        again = await row_for(session, Note, "new-1", lambda: Note(complaint_id="new-1", text="twice"))
        assert again is found
        session.add(Step(complaint_id="new-2", n=1))  # not preloaded, and not in the database
        assert await find(session, Step, ("new-2", 1)) is not None
        assert "INSERT" not in _statements(sessions)


async def test_a_row_added_in_a_rolled_back_savepoint_is_gone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        keep_batch_rows(session)
        await preload(session, Note, {"new-1"})
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                session.add(Note(complaint_id="new-1"))
                await session.flush()
                raise RuntimeError("the handler failed")
        assert await find(session, Note, "new-1") is None
        made = await row_for(session, Note, "new-1", lambda: Note(complaint_id="new-1", text="again"))
        assert made.text == "again"
    async with sessions() as session:
        assert (await session.get(Note, "new-1")).text == "again"  # type: ignore[union-attr]


async def test_a_lookup_no_preload_covered_asks_once_without_flushing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        keep_batch_rows(session)
        session.add(Note(complaint_id="new-9"))
        assert (await find(session, Note, "old")) is not None
        assert (await find(session, Note, "old")) is not None
        assert _statements(sessions) == ["SELECT"]  # no INSERT went first, and one SELECT


async def test_without_a_batch_find_is_a_plain_get(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        session.add(Note(complaint_id="new-3"))
        assert await find(session, Note, "new-3") is not None  # autoflushed, as session.get does
