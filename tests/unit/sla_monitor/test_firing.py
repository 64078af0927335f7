"""The consumer and the firing loop against a real (SQLite) database and a virtual clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from tousu_shared.calendar import load_calendar
from tousu_shared.clock import VirtualClock
from tousu_shared.contracts.case_events import ComplaintResolved, StaffOnSite
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import Channel, ComplaintTriaged
from tousu_shared.contracts.topics import Topics
from tousu_shared.db.engine import make_engine, make_sessionmaker
from tousu_shared.db.migrate import upgrade
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.tables import OutboxMessage
from tousu_sla_monitor.firing import FiringLoop
from tousu_sla_monitor.handlers import lifecycle_handler
from tousu_sla_monitor.models import SlaCase, SlaClockRun

T0 = datetime.fromisoformat("2026-03-02T09:00:00+08:00")
CALENDAR = load_calendar()
TOPICS = Topics("t.")


def _triaged(complaint_id: str, tenant: str = "g1") -> Envelope:
    payload = ComplaintTriaged(
        regime="community-standard",
        regime_version=1,
        topic="noise",
        category="environment",
        department="security",
        severity="general",
        confidence=0.9,
        classifier="test",
        channel=Channel.phone,
        received_at=T0,
    )
    return Envelope.new(
        payload=payload, occurred_at=T0, tenant_id=tenant, estate_id="e1", complaint_id=complaint_id
    )


def _action(model: type, verb: str, complaint_id: str, at: datetime) -> Envelope:
    return Envelope.new(
        payload=model(verb=verb, by="staff-1"),
        occurred_at=at,
        tenant_id="g1",
        estate_id="e1",
        complaint_id=complaint_id,
    )


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'sla.db'}")
    await upgrade(engine, "tousu_sla_monitor.migrations")
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _handle(sessions, clock: VirtualClock, event: Envelope) -> None:  # type: ignore[no-untyped-def]
    handler = lifecycle_handler(CALENDAR)
    async with sessions() as session, session.begin():
        await handler(HandlerContext(session, clock, TOPICS, TOPICS.triaged), event)


async def _types(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()  # type: ignore[arg-type]
    return [orjson.loads(r.value)["type"] for r in rows if r.topic == TOPICS.sla]


async def test_a_case_opens_fires_on_time_and_once(db) -> None:  # type: ignore[no-untyped-def]
    clock = VirtualClock(T0)
    await _handle(db, clock, _triaged("c1"))
    assert await _types(db) == ["ClockStarted", "ClockStarted"]  # registration 2 h, reply 3 working days
    loop = FiringLoop(db, CALENDAR, TOPICS, clock, batch_size=10, poll_seconds=0.01)
    assert await loop.fire_once() == 0  # nothing due yet
    clock.set(T0 + timedelta(hours=3))
    assert await loop.fire_once() == 1
    assert await loop.fire_once() == 0  # fired once: its next due is days away
    assert (await _types(db))[2:] == ["ClockWarning", "ClockBreached", "EscalationRaised"][
        : len(await _types(db)) - 2
    ]
    async with db() as session:
        case = await session.get(SlaCase, "c1")
        runs = (await session.scalars(select(SlaClockRun))).all()
    assert case is not None and case.next_due_at is not None and case.next_due_at > clock.now()
    assert {(r.name, r.status) for r in runs} == {("registration", "breached"), ("reply", "running")}


async def test_actions_before_the_classification_wait_for_it(db) -> None:  # type: ignore[no-untyped-def]
    clock = VirtualClock(T0 + timedelta(minutes=30))
    await _handle(db, clock, _action(StaffOnSite, "onsite", "c2", T0 + timedelta(minutes=20)))
    await _handle(db, clock, _action(ComplaintResolved, "resolve", "c2", T0 + timedelta(minutes=25)))
    assert await _types(db) == []
    await _handle(db, clock, _triaged("c2"))
    async with db() as session:
        case = await session.get(SlaCase, "c2")
    assert case is not None and case.actions == 2 and case.state == "resolved"


async def test_an_event_of_another_tenant_is_refused(db) -> None:  # type: ignore[no-untyped-def]
    clock = VirtualClock(T0)
    await _handle(db, clock, _triaged("c3"))
    with pytest.raises(Exception, match="another tenant"):
        await _handle(db, clock, _triaged("c3", tenant="g2"))
