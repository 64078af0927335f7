"""Dispatch's staff API on SQLite: each answer, and what it wrote (or did not) in one transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from tests.unit.dispatch.conftest import T0, work_order_of
from tests.unit.service_runtime import outbox
from tousu_dispatch.domain.actions import STAFF_VERBS
from tousu_dispatch.models import WorkOrderAction
from tousu_shared.clock import VirtualClock
from tousu_shared.runtime.service import Runtime

Client = AsyncTestClient[Litestar]


async def act(client: Client, work_order_id: str, **body: Any) -> Any:
    return await client.post(f"/v1/work-orders/{work_order_id}/actions", json={"by": "staff-7", **body})


async def nothing_written(rt: Runtime, events_before: int) -> None:
    async with rt.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WorkOrderAction)) == 0
    assert len(await outbox(rt)) == events_before


async def test_an_action_moves_the_work_order_and_sends_its_event(rt: Runtime, client: Client) -> None:
    order = await work_order_of(rt)
    r = await act(client, order.work_order_id, verb="dispatch", to="engineering", note="leak over the lift")
    assert r.status_code == 202, r.text
    answer = r.json()
    assert answer | {"event_id": None} == {
        "event_id": None,
        "work_order_id": order.work_order_id,
        "complaint_id": "c-1",
        "verb": "dispatch",
        "status": "dispatched",
        "to": "engineering",
        "reason": None,
        "occurred_at": T0.isoformat(),
    }
    topic, event = (await outbox(rt))[-1]
    assert topic == rt.topics.workorders
    assert (event.event_id, event.type, event.occurred_at) == (answer["event_id"], "WorkOrderDispatched", T0)
    assert (event.tenant_id, event.estate_id, event.complaint_id) == ("t1", "e1", "c-1")
    payload = event.typed_payload()
    assert (payload.verb, payload.work_order_id, payload.by, payload.to, payload.note) == (
        "dispatch",
        order.work_order_id,
        "staff-7",
        "engineering",
        "leak over the lift",
    )


async def test_the_work_order_shows_its_actions_in_order(rt: Runtime, client: Client) -> None:
    order = await work_order_of(rt)
    assert isinstance(rt.clock, VirtualClock)
    for verb, extra in [("dispatch", {"to": "engineering"}), ("accept", {}), ("onsite", {}), ("resolve", {})]:
        rt.clock.advance(timedelta(minutes=10))
        assert (await act(client, order.work_order_id, verb=verb, **extra)).status_code == 202
    r = await client.get(f"/v1/work-orders/{order.work_order_id}")
    assert r.status_code == 200, r.text
    shown = r.json()
    assert shown["status"] == "resolved"
    assert shown["updated_at"] == (T0 + timedelta(minutes=40)).isoformat()
    assert (shown["regime"], shown["regime_version"], shown["topic"], shown["severity"]) == (
        "community-standard",
        1,
        "water_leak",
        "general",
    )
    assert [(a["seq"], a["verb"], a["by"]) for a in shown["actions"]] == [
        (1, "dispatch", "staff-7"),
        (2, "accept", "staff-7"),
        (3, "onsite", "staff-7"),
        (4, "resolve", "staff-7"),
    ]
    assert shown["actions"][0]["to"] == "engineering"
    assert [a["action_id"] for a in shown["actions"]] == [e.event_id for _, e in (await outbox(rt))[1:]]


@pytest.mark.parametrize("verb", ["callback", "fly"])
async def test_a_verb_staff_cannot_record_is_a_422_listing_the_allowed_ones(
    rt: Runtime, client: Client, verb: str
) -> None:
    order = await work_order_of(rt)
    r = await act(client, order.work_order_id, verb=verb)
    assert r.status_code == 422
    assert r.json()["detail"].endswith("allowed: " + ", ".join(STAFF_VERBS))
    await nothing_written(rt, 1)


async def test_an_unknown_work_order_is_a_404(client: Client) -> None:
    r = await act(client, "no-such-order", verb="accept")
    assert (r.status_code, r.json()["detail"]) == (404, "no work order 'no-such-order'")
    assert (await client.get("/v1/work-orders/no-such-order")).status_code == 404


@pytest.mark.parametrize("final", ["close", "withdraw"])
async def test_a_closed_or_withdrawn_work_order_is_a_409(rt: Runtime, client: Client, final: str) -> None:
    order = await work_order_of(rt)
    assert (await act(client, order.work_order_id, verb=final)).status_code == 202
    r = await act(client, order.work_order_id, verb="resolve")
    assert r.status_code == 409
    state = "closed" if final == "close" else "withdrawn"
    assert r.json()["detail"] == f"work order {order.work_order_id} is {state}; it cannot resolve"
    assert len(await outbox(rt)) == 2  # the work order's creation and the closing, nothing after


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"verb": "escalate"}, "escalate needs 'to': the role the case goes to"),
        ({"verb": "dispatch", "to": "plumbers"}, "unknown role 'plumbers' in community-standard@1; known: "),
        ({"verb": "escalate", "to": "plumbers"}, "unknown role 'plumbers' in community-standard@1; known: "),
        (
            {"verb": "promise", "reason": "parts"},
            "promise needs 'due_at' (an instant with its offset) and a 'reason'",
        ),
        ({"verb": "upgrade", "severity": "huge"}, "unknown severity 'huge' in community-standard@1; known: "),
    ],
)
async def test_an_action_the_regime_refuses_is_a_422_and_writes_nothing(
    rt: Runtime, client: Client, body: dict[str, Any], detail: str
) -> None:
    order = await work_order_of(rt)
    r = await act(client, order.work_order_id, **body)
    assert r.status_code == 422
    assert r.json()["detail"].startswith(detail)
    await nothing_written(rt, 1)


async def test_a_promise_carries_its_date_and_reason(rt: Runtime, client: Client) -> None:
    order = await work_order_of(rt)
    due = "2026-09-25T18:00:00+08:00"
    r = await act(client, order.work_order_id, verb="promise", due_at=due, reason="scaffold needed")
    assert r.status_code == 202, r.text
    payload = (await outbox(rt))[-1][1].typed_payload()
    assert (payload.due_at.isoformat(), payload.reason) == (due, "scaffold needed")
    shown = (await client.get(f"/v1/work-orders/{order.work_order_id}")).json()
    assert shown["status"] == "open"
    assert shown["actions"][0]["due_at"] == "2026-09-25T10:00:00+00:00"


async def test_an_upgrade_raises_the_work_orders_severity(rt: Runtime, client: Client) -> None:
    order = await work_order_of(rt)
    assert (await act(client, order.work_order_id, verb="upgrade", reason="a second leak")).status_code == 202
    assert (await outbox(rt))[-1][1].typed_payload().severity is None  # the SLA monitor goes one up too
    assert (await act(client, order.work_order_id, verb="upgrade", severity="group")).status_code == 202
    shown = (await client.get(f"/v1/work-orders/{order.work_order_id}")).json()
    assert shown["severity"] == "group"
    r = await act(client, order.work_order_id, verb="upgrade")
    assert r.status_code == 422
    assert "'group' is the highest level" in r.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"verb": "accept", "by": ""},
        {"verb": "accept", "by": "x" * 65},
        {"verb": "accept", "note": "n" * 2001},
        {"verb": "promise", "due_at": "2026-09-25T18:00:00", "reason": "naive"},
        {"verb": "accept", "priority": "now"},
        {"verb": "accept", "note": "a\x00b"},
    ],
)
async def test_a_malformed_body_is_a_400(rt: Runtime, client: Client, body: dict[str, Any]) -> None:
    order = await work_order_of(rt)
    r = await client.post(f"/v1/work-orders/{order.work_order_id}/actions", json={"by": "staff-7", **body})
    assert r.status_code == 400, r.text
    await nothing_written(rt, 1)


async def test_without_the_admin_token_nothing_is_shown_or_done(rt: Runtime, client: Client) -> None:
    order = await work_order_of(rt)
    for token in (None, "Bearer wrong"):
        headers = {"authorization": token} if token else {}
        client.headers.pop("authorization", None)
        client.headers.update(headers)
        assert (await act(client, order.work_order_id, verb="accept")).status_code == 401
        assert (await client.get(f"/v1/work-orders/{order.work_order_id}")).status_code == 401
        assert (await client.get("/v1/work-orders")).status_code == 401
    await nothing_written(rt, 1)


async def test_work_orders_are_found_by_complaint_and_filtered(rt: Runtime, client: Client) -> None:
    first = await work_order_of(rt, "c-1")
    second = await work_order_of(rt, "c-2")
    assert (await act(client, second.work_order_id, verb="dispatch", to="engineering")).status_code == 202

    async def ids(**params: Any) -> list[str]:
        r = await client.get("/v1/work-orders", params=params)
        assert r.status_code == 200, r.text
        return [item["complaint_id"] for item in r.json()["items"]]

    assert await ids(complaint_id="c-2") == ["c-2"]
    assert await ids() == ["c-1", "c-2"]
    assert await ids(tenant="t1", estate="e1", department="engineering") == ["c-1", "c-2"]
    assert await ids(status="dispatched") == ["c-2"]
    assert await ids(tenant="another") == []
    assert await ids(limit=1) == ["c-1"]
    assert await ids(limit=1, offset=1) == ["c-2"]
    item = (await client.get("/v1/work-orders", params={"complaint_id": "c-1"})).json()["items"][0]
    assert item["work_order_id"] == first.work_order_id
    for bad in ({"limit": 501}, {"limit": 0}, {"offset": -1}):
        assert (await client.get("/v1/work-orders", params=bad)).status_code == 400


async def test_a_dispatch_without_a_role_goes_to_the_department_and_says_no_role(
    rt: Runtime, client: Client
) -> None:
    order = await work_order_of(rt)
    r = await act(client, order.work_order_id, verb="dispatch")
    assert (r.status_code, r.json()["status"]) == (202, "dispatched")
    assert (await outbox(rt))[-1][1].typed_payload().to is None
