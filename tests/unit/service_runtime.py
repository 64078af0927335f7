"""A service's runtime on a migrated SQLite file, its routes through a test client, its outbox.

For unit tests of one service's handlers and HTTP routes without Kafka (the relay is not
started; what a handler or route emits stays in the outbox, where the tests read it).
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from litestar import Litestar
from litestar.datastructures import State
from litestar.exceptions import LitestarDeprecationWarning
from litestar.testing import AsyncTestClient
from sqlmodel import col, select

from tousu_shared.admin_token import admin_token
from tousu_shared.clock import VirtualClock
from tousu_shared.contracts.envelope import Envelope, decode_envelope
from tousu_shared.contracts.topics import Topics
from tousu_shared.db.engine import make_engine, make_sessionmaker
from tousu_shared.db.migrate import upgrade
from tousu_shared.delivery.tables import OutboxMessage
from tousu_shared.identity.local_issuer import issue
from tousu_shared.identity.web import Identity
from tousu_shared.regimes import REGIME_IDS
from tousu_shared.runtime.service import Runtime, ServiceSpec
from tousu_shared.settings import ServiceSettings


@asynccontextmanager
async def service_runtime(spec: ServiceSpec, tmp_path: Path, start: datetime) -> AsyncIterator[Runtime]:
    """The service's runtime (its ``setup`` run) on a fresh, migrated SQLite database."""
    settings = ServiceSettings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    engine = make_engine(settings.database_url_for(spec.name))
    await upgrade(engine, spec.migrations)
    runtime = Runtime(
        spec=spec,
        settings=settings,
        clock=VirtualClock(start),
        engine=engine,
        sessions=make_sessionmaker(engine),
        topics=Topics(),
        regimes=list(REGIME_IDS),
        identity=Identity.from_settings(tmp_path, admin_token(tmp_path)),
    )
    if spec.setup is not None:
        spec.setup(runtime)
    try:
        yield runtime
    finally:
        await engine.dispose()


@asynccontextmanager
async def routes_client(rt: Runtime, headers: dict[str, str]) -> AsyncIterator[AsyncTestClient[Litestar]]:
    with warnings.catch_warnings():
        # the routes declare parameters in the inferred style, as every service does so far
        warnings.simplefilter("ignore", LitestarDeprecationWarning)
        app = Litestar(route_handlers=list(rt.spec.routes), state=State({"runtime": rt}))
    async with AsyncTestClient(app=app) as client:
        client.headers.update(headers)
        yield client


async def outbox(rt: Runtime, audit: bool = False) -> list[tuple[str, Envelope]]:
    """Every event staged in the outbox, oldest first, with its topic; the audit trail's
    records (``audit.<service>``) only when asked for (``audit_records`` reads just them)."""
    async with rt.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        staged = [(row.topic, decode_envelope(row.value)) for row in rows]
    return [(t, e) for t, e in staged if audit or not t.startswith(f"{rt.topics.prefix}audit.")]


async def audit_records(rt: Runtime) -> list[Envelope]:
    """The audit records staged in the outbox, oldest first."""
    return [e for t, e in await outbox(rt, audit=True) if t.startswith(f"{rt.topics.prefix}audit.")]


async def table_columns(url: str) -> dict[str, set[str]]:
    """Each table of the database at ``url`` with its column names."""
    engine = make_engine(url)
    async with engine.connect() as conn:
        found = await conn.run_sync(
            lambda c: {
                t: {column["name"] for column in sa.inspect(c).get_columns(t)}
                for t in sa.inspect(c).get_table_names()
            }
        )
    await engine.dispose()
    return found


def person(rt: Runtime, subject: str, *roles: str, tenant: str = "t1") -> dict[str, str]:
    """The Authorization header of a person of ``tenant`` holding ``roles`` (role@estate),
    minted by the local issuer the runtime trusts."""
    token = issue(rt.settings.data_dir, subject, tenant, roles)
    return {"authorization": f"Bearer {token}"}
