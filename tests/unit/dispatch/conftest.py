"""Dispatch on a real SQLite database, migrated as in production; its routes through a test client."""

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
from sqlmodel import col, select

from tousu_dispatch.app import SPEC
from tousu_dispatch.handlers import on_triaged
from tousu_dispatch.models import WorkOrder
from tousu_shared.clock import VirtualClock
from tousu_shared.contracts.envelope import Envelope, decode_envelope
from tousu_shared.contracts.events import ComplaintTriaged
from tousu_shared.contracts.topics import Topics
from tousu_shared.db.engine import make_engine, make_sessionmaker
from tousu_shared.db.migrate import upgrade
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.tables import OutboxMessage
from tousu_shared.regimes import REGIME_IDS
from tousu_shared.runtime.service import Runtime
from tousu_shared.settings import ServiceSettings

TOKEN = "dispatch-unit-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
T0 = datetime(2026, 9, 14, 2, 0, tzinfo=UTC)


@pytest.fixture
async def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("TOUSU_ADMIN_TOKEN", TOKEN)
    settings = ServiceSettings(
        data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'dispatch.db'}"
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
        # the routes declare parameters in the inferred style, as every service does so far
        warnings.simplefilter("ignore", LitestarDeprecationWarning)
        app = Litestar(route_handlers=list(SPEC.routes), state=State({"runtime": rt}))
    async with AsyncTestClient(app=app) as test_client:
        test_client.headers.update(AUTH)
        yield test_client


def triaged_event(
    complaint_id: str = "c-1",
    *,
    regime: str = "community-standard",
    severity: str | None = "general",
    revision: int = 1,
) -> Envelope:
    payload = ComplaintTriaged(
        regime=regime,
        revision=revision,
        regime_version=1,
        topic="water_leak",
        category="facility",
        urgency="normal",
        severity=severity,
        department="engineering",
        confidence=0.9,
        classifier="unit",
    )
    return Envelope.new(
        payload=payload, occurred_at=T0, tenant_id="t1", estate_id="e1", complaint_id=complaint_id
    )


async def deliver_triaged(rt: Runtime, event: Envelope) -> None:
    async with rt.sessions() as session, session.begin():
        await on_triaged(HandlerContext(session, rt.clock, rt.topics, rt.topics.triaged), event)


async def work_order_of(
    rt: Runtime,
    complaint_id: str = "c-1",
    *,
    regime: str = "community-standard",
    severity: str | None = "general",
) -> WorkOrder:
    """The work order of a complaint, triaged first."""
    await deliver_triaged(rt, triaged_event(complaint_id, regime=regime, severity=severity))
    async with rt.sessions() as session:
        order = await session.scalar(select(WorkOrder).where(col(WorkOrder.complaint_id) == complaint_id))
    assert order is not None
    return order


async def outbox(rt: Runtime) -> list[tuple[str, Envelope]]:
    """Every event staged in the outbox, oldest first, with its topic."""
    async with rt.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        return [(row.topic, decode_envelope(row.value)) for row in rows]
