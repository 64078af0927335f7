"""Dispatch on a real SQLite database, migrated as in production; its routes through a test client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import col, select

from tests.unit.service_runtime import routes_client, service_runtime
from tousu_dispatch.app import SPEC
from tousu_dispatch.handlers import on_triaged
from tousu_dispatch.models import WorkOrder
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintTriaged
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.runtime.service import Runtime

TOKEN = "dispatch-unit-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
T0 = datetime(2026, 9, 14, 2, 0, tzinfo=UTC)


@pytest.fixture
async def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("TOUSU_ADMIN_TOKEN", TOKEN)
    async with service_runtime(SPEC, tmp_path, T0) as runtime:
        yield runtime


@pytest.fixture
async def client(rt: Runtime) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with routes_client(rt, AUTH) as test_client:
        yield test_client


def triaged_event(
    complaint_id: str = "c-1",
    *,
    regime: str = "community-standard",
    severity: str | None = "general",
    revision: int = 1,
    received_at: datetime | None = None,
    parameters: dict[str, float] | None = None,
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
        received_at=received_at,
        parameters=parameters or {},
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
    received_at: datetime | None = None,
    parameters: dict[str, float] | None = None,
) -> WorkOrder:
    """The work order of a complaint, triaged first."""
    event = triaged_event(
        complaint_id, regime=regime, severity=severity, received_at=received_at, parameters=parameters
    )
    await deliver_triaged(rt, event)
    async with rt.sessions() as session:
        order = await session.scalar(select(WorkOrder).where(col(WorkOrder.complaint_id) == complaint_id))
    assert order is not None
    return order
