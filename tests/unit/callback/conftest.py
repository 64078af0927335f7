"""Callback on a real SQLite database, migrated as in production; its route through a test client."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.datastructures import State
from litestar.exceptions import LitestarDeprecationWarning
from litestar.testing import AsyncTestClient
from pydantic import BaseModel
from sqlmodel import col, select

from tousu_callback.app import SPEC
from tousu_callback.handlers import on_sla_event, on_workorder_event
from tousu_shared.clock import VirtualClock
from tousu_shared.contracts.envelope import Envelope, decode_envelope
from tousu_shared.contracts.topics import Topics
from tousu_shared.db.engine import make_engine, make_sessionmaker
from tousu_shared.db.migrate import upgrade
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.tables import OutboxMessage
from tousu_shared.regimes import REGIME_IDS
from tousu_shared.runtime.service import Runtime
from tousu_shared.settings import ServiceSettings

TOKEN = "callback-unit-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
T0 = datetime(2026, 9, 16, 2, 0, tzinfo=UTC)


@pytest.fixture
async def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("TOUSU_ADMIN_TOKEN", TOKEN)
    settings = ServiceSettings(
        data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'callback.db'}"
    )
    engine = make_engine(settings.database_url_for(SPEC.name))
    await upgrade(engine, SPEC.migrations)
    runtime = Runtime(
        spec=SPEC,
        settings=settings,
        clock=VirtualClock(T0),
        engine=engine,
        sessions=make_sessionmaker(engine),
        topics=Topics(),
        regimes=list(REGIME_IDS),
    )
    assert SPEC.setup is not None
    SPEC.setup(runtime)
    yield runtime
    await engine.dispose()


@pytest.fixture
async def client(rt: Runtime) -> AsyncIterator[AsyncTestClient[Litestar]]:
    with warnings.catch_warnings():
        # the route declares its path parameter in the inferred style, as every service does so far
        warnings.simplefilter("ignore", LitestarDeprecationWarning)
        app = Litestar(route_handlers=list(SPEC.routes), state=State({"runtime": rt}))
    async with AsyncTestClient(app=app) as test_client:
        test_client.headers.update(AUTH)
        yield test_client


def event(payload: BaseModel, complaint_id: str = "c-1") -> Envelope:
    return Envelope.new(
        payload=payload, occurred_at=T0, tenant_id="t1", estate_id="e1", complaint_id=complaint_id
    )


async def deliver(rt: Runtime, envelope: Envelope, *, topic: str | None = None) -> None:
    """Hand ``envelope`` to the consumer of its topic (workorders.events unless said)."""
    topic = topic or rt.topics.workorders
    handler = on_sla_event if topic == rt.topics.sla else on_workorder_event
    async with rt.sessions() as session, session.begin():
        await handler(HandlerContext(session, rt.clock, rt.topics, topic), envelope)


async def outbox(rt: Runtime) -> list[tuple[str, Envelope]]:
    async with rt.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        return [(row.topic, decode_envelope(row.value)) for row in rows]
