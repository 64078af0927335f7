"""Callback on a real SQLite database, migrated as in production; its route through a test client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pydantic import BaseModel

from tests.unit.service_runtime import routes_client, service_runtime
from tousu_callback.app import SPEC
from tousu_callback.handlers import on_received, on_workorder_event
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.runtime.service import Runtime

TOKEN = "callback-unit-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
T0 = datetime(2026, 9, 16, 2, 0, tzinfo=UTC)


@pytest.fixture
async def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("TOUSU_ADMIN_TOKEN", TOKEN)
    async with service_runtime(SPEC, tmp_path, T0) as runtime:
        yield runtime


@pytest.fixture
async def client(rt: Runtime) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with routes_client(rt, AUTH) as test_client:
        yield test_client


def event(payload: BaseModel, complaint_id: str = "c-1") -> Envelope:
    return Envelope.new(
        payload=payload, occurred_at=T0, tenant_id="t1", estate_id="e1", complaint_id=complaint_id
    )


async def deliver(rt: Runtime, envelope: Envelope, *, topic: str | None = None) -> None:
    """Hand ``envelope`` to the consumer of its topic (workorders.events unless said)."""
    topic = topic or rt.topics.workorders
    if topic == rt.topics.sla:
        handler = rt.state["on_sla_event"]
    elif topic.startswith(rt.topics.received("")):
        handler = on_received
    else:
        handler = on_workorder_event
    async with rt.sessions() as session, session.begin():
        await handler(HandlerContext(session, rt.clock, rt.topics, topic), envelope)
