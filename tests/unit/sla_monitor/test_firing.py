"""The consumer and the firing loop against a real (SQLite) database and a virtual clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select

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
from tousu_sla_monitor.metrics import sample_clocks
from tousu_sla_monitor.models import SlaCase, SlaClockRun
from tousu_sla_monitor.store import CASES, RUNS, plan_touch

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


async def _stored_runs(sessions) -> dict[tuple[str, int], dict]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        rows = (await session.execute(select(RUNS))).all()
    return {(r.complaint_id, r.run): dict(r._mapping) for r in rows}


async def _rebuilt_runs(sessions) -> dict[tuple[str, int], dict]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        cases = (await session.execute(select(CASES))).all()
    out = {}
    for case in cases:
        touched = plan_touch(case, CALENDAR, TOPICS, T0, lambda timeline: "timer")
        assert touched is not None
        out.update({(r["complaint_id"], r["run"]): r for r in touched.runs})
    return out


async def test_a_firing_writes_only_the_clock_runs_it_changed(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clock = VirtualClock(T0)
    for n in range(3):
        await _handle(db, clock, _triaged(f"w{n}"))
    written: list[int] = []

    def count_run_updates(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE sla_clock_runs"):
            written.append(len(parameters) if executemany else 1)

    engine = db.kw["bind"].sync_engine
    sa_event.listen(engine, "before_cursor_execute", count_run_updates)
    clock.set(T0 + timedelta(minutes=100))  # the registration warnings (96 min), not the reply's
    assert await FiringLoop(db, CALENDAR, TOPICS, clock, batch_size=10, poll_seconds=0.01).fire_once() == 3
    sa_event.remove(engine, "before_cursor_execute", count_run_updates)
    assert sum(written) == 3  # one run per case; the reply clocks stayed as stored
    assert await _stored_runs(db) == await _rebuilt_runs(db)


async def test_stored_runs_follow_the_rebuild_after_actions_and_firings(db) -> None:  # type: ignore[no-untyped-def]
    clock = VirtualClock(T0)
    await _handle(db, clock, _triaged("s1"))
    loop = FiringLoop(db, CALENDAR, TOPICS, clock, batch_size=10, poll_seconds=0.01)
    clock.set(T0 + timedelta(hours=3))
    await loop.fire_once()
    await _handle(db, clock, _action(StaffOnSite, "onsite", "s1", T0 + timedelta(hours=3)))
    await _handle(db, clock, _action(ComplaintResolved, "resolve", "s1", T0 + timedelta(hours=4)))
    clock.set(T0 + timedelta(days=10))
    await loop.fire_once()
    stored = await _stored_runs(db)
    assert stored == await _rebuilt_runs(db)
    # the callback clock's run began at the resolution: inserted, then breached ten days on
    assert {r["name"]: r["status"] for r in stored.values()} == {
        "registration": "breached",
        "reply": "met",
        "callback": "breached",
    }


async def test_a_stored_run_the_rebuild_no_longer_has_is_removed(db) -> None:  # type: ignore[no-untyped-def]
    clock = VirtualClock(T0)
    await _handle(db, clock, _triaged("r1"))
    async with db() as session, session.begin():  # as if an older regime file had one more clock
        stale = (await _stored_runs(db))[("r1", 0)] | {"run": 7, "name": "gone"}
        await session.execute(insert(RUNS), [stale])
    clock.set(T0 + timedelta(minutes=100))
    await FiringLoop(db, CALENDAR, TOPICS, clock, batch_size=10, poll_seconds=0.01).fire_once()
    assert set(await _stored_runs(db)) == {("r1", 0), ("r1", 1)}


async def test_a_second_reading_moves_the_stored_clocks(db) -> None:  # type: ignore[no-untyped-def]
    clock = VirtualClock(T0 + timedelta(minutes=10))
    first = _triaged("v1")
    await _handle(db, clock, first)
    again = first.typed_payload().model_copy(update={"revision": 2, "department": "engineering"})
    second = Envelope.new(
        payload=again, occurred_at=clock.now(), tenant_id="g1", estate_id="e1", complaint_id="v1"
    )
    await _handle(db, clock, second)
    await _handle(db, clock, second)  # redelivered under another consumer run: nothing more
    async with db() as session:
        case = await session.get(SlaCase, "v1")
    assert case is not None and case.department == "engineering" and case.actions == 0
    runs = await _stored_runs(db)
    assert {r["department"] for r in runs.values()} == {"engineering"}
    assert runs == await _rebuilt_runs(db)
    assert [i["do"] for i in orjson.loads(case.inputs)] == ["reclassify"]


async def test_the_metrics_show_open_clocks_due_cases_and_what_fired(db) -> None:  # type: ignore[no-untyped-def]
    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    clock = VirtualClock(T0)
    runtime = SimpleNamespace(sessions=db, clock=clock)
    await _handle(db, clock, _triaged("m1"))
    await sample_clocks(runtime)  # type: ignore[arg-type]
    assert value("tousu_sla_open_clocks", status="running") == 2
    assert value("tousu_sla_cases_due") == 0
    clock.set(T0 + timedelta(hours=3))
    await sample_clocks(runtime)  # type: ignore[arg-type]
    assert value("tousu_sla_cases_due") == 1  # due, the loop has not run
    breached_before = value("tousu_sla_fired_events_total", type="ClockBreached")
    await FiringLoop(db, CALENDAR, TOPICS, clock, batch_size=10, poll_seconds=0.01).fire_once()
    await sample_clocks(runtime)  # type: ignore[arg-type]
    assert value("tousu_sla_cases_due") == 0
    assert value("tousu_sla_open_clocks", status="breached") == 1
    assert value("tousu_sla_open_clocks", status="running") == 1
    assert value("tousu_sla_fired_events_total", type="ClockBreached") == breached_before + 1
