"""Async engines: PostgreSQL (asyncpg) in production and tests, SQLite files for ``make run``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _sqlite_transactions(engine)
        return engine
    # No pre-ping: it costs three round trips per checkout. A connection the server dropped
    # fails its first statement as a transient error (retried, or a 503), and SQLAlchemy then
    # invalidates the whole pool; `make chaos` restarts PostgreSQL under load to show it.
    return create_async_engine(url, pool_size=10, max_overflow=10)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


def _sqlite_transactions(engine: AsyncEngine) -> None:
    """SQLite's driver manages transactions itself, which breaks SAVEPOINTs; take over.

    BEGIN IMMEDIATE takes the write lock up front, so concurrent writers wait on the
    busy timeout instead of failing when a read lock cannot be upgraded.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
