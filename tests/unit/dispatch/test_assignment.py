"""Rosters over HTTP, automatic assignment of new work orders, and staff reassignment."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.unit.dispatch.conftest import T0, deliver_triaged, triaged_event, work_order_of
from tests.unit.service_runtime import outbox
from tousu_dispatch.handlers import on_sla_event
from tousu_shared.contracts.case_events import EscalationRaised
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.runtime.service import Runtime

DAY = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "18:00"}]
ROSTER: dict[str, Any] = {
    "tenant_id": "t1",
    "teams": [
        {
            "team_id": "eng-a",
            "department": "engineering",
            "members": [
                {"staff_id": "eng-01", "name": "张工", "shifts": DAY},
                {"staff_id": "eng-02", "name": "李工", "shifts": DAY, "skills": ["water_leak"]},
                {"staff_id": "eng-03", "name": "王工", "shifts": DAY, "skills": ["water_leak"]},
            ],
        }
    ],
}


async def _upload(client: AsyncTestClient[Litestar], roster: dict[str, Any] = ROSTER) -> None:
    r = await client.put("/v1/estates/e1/roster", json=roster)
    assert r.status_code == 200, r.text
    assert r.json() == {"estate_id": "e1", "teams": 1, "people": 3, "strategy": "least_loaded"}


async def test_a_roster_is_stored_per_estate_and_tenant(client: AsyncTestClient[Litestar]) -> None:
    await _upload(client)
    r = await client.get("/v1/estates/e1/roster", params={"tenant": "t1"})
    assert r.status_code == 200 and r.json()["teams"][0]["members"][1]["skills"] == ["water_leak"]
    assert (await client.get("/v1/estates/e1/roster", params={"tenant": "t2"})).status_code == 404
    r = await client.put("/v1/estates/e1/roster", json=ROSTER | {"tenant_id": "t2"})
    assert r.status_code == 422 and "another property group" in r.text
    r = await client.put("/v1/estates/e1/roster", json=ROSTER | {"timezone": "Nowhere/City"})
    assert r.status_code == 400 and "time zone" in r.text


async def test_new_work_orders_go_to_skilled_people_on_shift_by_load(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    await _upload(client)
    for n in range(4):
        await deliver_triaged(rt, triaged_event(f"c-{n}"))  # water leaks, Monday 10:00
    r = await client.get("/v1/work-orders", params={"tenant": "t1"})
    assignees = [o["assignee"] for o in r.json()["items"]]
    assert assignees == ["eng-02", "eng-03", "eng-02", "eng-03"]  # skilled first, then the least loaded
    events = [e for _, e in await outbox(rt)]
    assert [e.type for e in events[:2]] == ["WorkOrderCreated", "WorkOrderAssigned"]
    assert events[1].causation_id == events[0].event_id
    assert events[1].payload["reason"] == "on shift, handles water_leak, least loaded (0 open)"
    mine = await client.get("/v1/work-orders", params={"assignee": "eng-03"})
    assert [o["complaint_id"] for o in mine.json()["items"]] == ["c-1", "c-3"]


async def test_without_a_roster_the_work_order_waits_in_the_queue(rt: Runtime) -> None:
    order = await work_order_of(rt)
    assert order.assignee is None
    assert [e.type for _, e in await outbox(rt)] == ["WorkOrderCreated"]


async def test_staff_reassign_to_a_named_person_or_by_the_rule(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    order = await work_order_of(rt)
    url = f"/v1/work-orders/{order.work_order_id}/assign"
    r = await client.post(url, json={"by": "sup-1"})
    assert r.status_code == 409 and "no roster" in r.text
    await _upload(client)
    r = await client.post(url, json={"by": "sup-1", "staff_id": "eng-01", "reason": "熟悉这栋楼"})
    assert r.status_code == 202, r.text
    assert r.json()["reason"] == "reassigned by sup-1 (on duty): 熟悉这栋楼"
    _, event = (await outbox(rt))[-1]
    assert (event.type, event.payload["by"], event.payload["previous"]) == (
        "WorkOrderAssigned",
        "sup-1",
        None,
    )
    r = await client.post(url, json={"by": "sup-1", "staff_id": "cs-9"})
    assert r.status_code == 422 and "in no engineering team" in r.text
    r = await client.post(url, json={"by": "sup-1"})
    assert r.status_code == 202 and r.json()["assignee"] == "eng-02"
    assert (await outbox(rt))[-1][1].payload["previous"] == "eng-01"


async def test_nobody_on_duty_is_a_conflict_not_a_guess(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    night_only = [{"days": ["sun"], "start": "22:00", "end": "23:00"}]
    roster = ROSTER | {
        "teams": [
            {
                "team_id": "eng-n",
                "department": "engineering",
                "members": [{"staff_id": "eng-09", "name": "赵工", "shifts": night_only}],
            }
        ]
    }
    r = await client.put("/v1/estates/e1/roster", json=roster)
    assert r.status_code == 200
    order = await work_order_of(rt)
    assert order.assignee is None  # Monday 10:00: nobody on duty, so the department queue
    r = await client.post(f"/v1/work-orders/{order.work_order_id}/assign", json={"by": "sup-1"})
    assert r.status_code == 409 and "nobody of engineering" in r.text


def _raised(to_role: str) -> Envelope:
    payload = EscalationRaised(to_role=to_role, reason="overdue", trigger="breach", clock="plan")
    return Envelope.new(payload=payload, occurred_at=T0, tenant_id="t1", estate_id="e1", complaint_id="c-1")


async def _told(rt: Runtime, event: Envelope) -> dict[str, Any]:
    async with rt.sessions() as session, session.begin():
        await on_sla_event(HandlerContext(session, rt.clock, rt.topics, rt.topics.sla), event)
    topic, told = (await outbox(rt))[-1]
    assert (topic, told.type, told.causation_id) == (
        rt.topics.workorders,
        "EscalationNotified",
        event.event_id,
    )
    return told.payload


async def test_an_escalation_reaches_the_roles_contacts_or_the_department_on_duty(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    assert (await _told(rt, _raised("station_head")))["people"] == []  # no roster: told nobody, on record
    await _upload(client, ROSTER | {"contacts": {"regional_supervisor": ["rs-1", "rs-2"]}})
    told = await _told(rt, _raised("regional_supervisor"))
    assert (told["people"], told["reason"], told["clock"]) == (["rs-1", "rs-2"], "overdue", "plan")
    assert (await _told(rt, _raised("engineering")))["people"] == ["eng-01", "eng-02", "eng-03"]
    assert (await _told(rt, _raised("leadership_group")))["people"] == []
