"""Dispatch's consumers: one work order per complaint, and the case states the SLA monitor decides."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from tests.unit.dispatch.conftest import T0, deliver_triaged, triaged_event, work_order_of
from tests.unit.dispatch.test_assignment import DAY, ROSTER
from tests.unit.service_runtime import outbox
from tousu_dispatch.handlers import on_sla_event
from tousu_dispatch.models import WorkOrder
from tousu_shared.clock import VirtualClock
from tousu_shared.contracts.case_events import CaseStateChanged, ClockStarted, SeverityAutoUpgraded
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.runtime.service import Runtime


async def count(rt: Runtime) -> int:
    async with rt.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(WorkOrder)) or 0)


async def deliver_sla(rt: Runtime, event: Envelope) -> None:
    async with rt.sessions() as session, session.begin():
        await on_sla_event(HandlerContext(session, rt.clock, rt.topics, rt.topics.sla), event)


def sla_event(
    payload: CaseStateChanged | ClockStarted | SeverityAutoUpgraded, complaint_id: str = "c-1"
) -> Envelope:
    return Envelope.new(
        payload=payload, occurred_at=T0, tenant_id="t1", estate_id="e1", complaint_id=complaint_id
    )


async def test_a_triaged_complaint_gets_one_work_order_with_its_classification(rt: Runtime) -> None:
    order = await work_order_of(rt, severity="major")
    assert (order.regime, order.regime_version, order.regime_ref()) == (
        "community-standard",
        1,
        "community-standard@1",
    )
    assert (order.department, order.category, order.topic, order.urgency, order.severity) == (
        "engineering",
        "facility",
        "water_leak",
        "normal",
        "major",
    )
    assert (order.status, order.created_at, order.updated_at) == ("open", T0, T0)
    [(topic, created)] = await outbox(rt)
    assert (topic, created.type, created.payload["work_order_id"]) == (
        rt.topics.workorders,
        "WorkOrderCreated",
        order.work_order_id,
    )


async def test_a_second_triage_of_the_same_complaint_makes_no_second_work_order(rt: Runtime) -> None:
    await work_order_of(rt)
    await deliver_triaged(rt, triaged_event())  # redelivered under a new event id
    await deliver_triaged(rt, triaged_event(revision=2))  # re-read after a clarification
    assert await count(rt) == 1
    assert len(await outbox(rt)) == 1


async def test_a_later_revision_alone_opens_the_work_order(rt: Runtime) -> None:
    # its first reading never came (dead-lettered): the case is worked on the reading there is
    await deliver_triaged(rt, triaged_event("c-9", revision=2))
    assert await count(rt) == 1


def _reread(department: str, urgency: str) -> Envelope:
    first = triaged_event(revision=2)
    payload = first.typed_payload().model_copy(update={"department": department, "urgency": urgency})
    return Envelope.new(payload=payload, occurred_at=T0, tenant_id="t1", estate_id="e1", complaint_id="c-1")


async def test_a_second_reading_moves_the_work_order_to_its_new_department(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    security = {"team_id": "sec-a", "department": "security", "members": [
        {"staff_id": "sec-01", "name": "赵队", "shifts": DAY}]}  # fmt: skip
    roster = ROSTER | {"teams": [*ROSTER["teams"], security]}
    assert (await client.put("/v1/estates/e1/roster", json=roster)).status_code == 200
    order = await work_order_of(rt)
    assert order.assignee is not None and order.assignee.startswith("eng-")
    await deliver_triaged(rt, _reread("engineering", "urgent"))  # same department: keeps its person
    async with rt.sessions() as session:
        same = await session.get(WorkOrder, order.work_order_id)
    assert same is not None and (same.urgency, same.assignee) == ("urgent", order.assignee)
    await deliver_triaged(rt, _reread("security", "urgent"))
    async with rt.sessions() as session:
        moved = await session.get(WorkOrder, order.work_order_id)
    assert moved is not None and (moved.department, moved.assignee, moved.team_id) == (
        "security",
        "sec-01",
        "sec-a",
    )
    _, last = (await outbox(rt))[-1]
    assert (last.type, last.payload["previous"]) == ("WorkOrderAssigned", order.assignee)


async def test_the_work_order_follows_the_state_the_rules_decided(rt: Runtime) -> None:
    order = await work_order_of(rt)
    assert isinstance(rt.clock, VirtualClock)
    later = rt.clock.advance(timedelta(hours=3))
    changed = CaseStateChanged(
        state="reopened", previous="resolved", because="CallbackRecorded", reason="天花板还在发霉"
    )
    await deliver_sla(rt, sla_event(changed))
    async with rt.sessions() as session:
        now = await session.get(WorkOrder, order.work_order_id)
    assert now is not None
    assert (now.status, now.updated_at, now.reopened, now.reopen_reason) == (
        "reopened",
        later,
        1,
        "天花板还在发霉",
    )


async def test_other_sla_events_and_unknown_complaints_change_nothing(rt: Runtime) -> None:
    order = await work_order_of(rt)
    started = ClockStarted(clock="reply", status="running", target="1 day", started_at=T0, due_at=T0)
    await deliver_sla(rt, sla_event(started))
    closed = CaseStateChanged(state="closed", previous="resolved", because="CallbackRecorded")
    await deliver_sla(rt, sla_event(closed, complaint_id="c-unknown"))
    async with rt.sessions() as session:
        now = await session.get(WorkOrder, order.work_order_id)
    assert now is not None and now.status == "open"
    assert await count(rt) == 1


async def test_an_automatic_upgrade_raises_the_work_orders_severity(rt: Runtime) -> None:
    order = await work_order_of(rt)
    await deliver_sla(
        rt, sla_event(SeverityAutoUpgraded(severity="major", reason="unresolved after a month"))
    )
    async with rt.sessions() as session:
        now = await session.get(WorkOrder, order.work_order_id)
    assert now is not None and (now.severity, now.status) == ("major", "open")
