"""The skeleton flow end to end: HTTP → intake → triage → dispatch → archive."""

from __future__ import annotations

import asyncio

import httpx

from tests.integration.harness import (
    ADMIN,
    Stack,
    add_tenant,
    all_dispatched,
    complaint,
    post_complaint,
    post_complaints,
    wait_until,
)

REGIMES = {
    "est-a": "community-standard",
    "est-b": "logistics-service",
    "est-c": "service-station-sop",
    "est-d": "developer-customer-service",
    "est-e": "property-role-matrix",
}


async def test_500_complaints_each_archived_with_one_work_order(stack: Stack) -> None:
    tenant = "pipeline-group"
    await add_tenant(stack, tenant, REGIMES)
    estates = list(REGIMES)
    bodies = [complaint(tenant, estates[i % len(estates)], i) for i in range(500)]

    ids = await post_complaints(stack, bodies)

    assert len(set(ids)) == 500
    await wait_until(
        lambda: all_dispatched(stack, tenant, 500), timeout=120, what="500 dispatched cases in archive"
    )
    # 500 reads at once queue for the client's 100 connections: waiting for one is not the
    # archive's slowness, so only each request's own time is bounded
    timeout = httpx.Timeout(10, pool=None)
    async with httpx.AsyncClient(base_url=stack.url("archive"), timeout=timeout, headers=ADMIN) as client:
        cases = await asyncio.gather(*(client.get(f"/v1/complaints/{cid}") for cid in ids))
    for cid, response in zip(ids, cases, strict=True):
        assert response.status_code == 200, response.text
        case = response.json()
        types = [e["type"] for e in case["timeline"]]
        # each lifecycle event once; beside them, what the SLA monitor published (its clocks started)
        lifecycle = [t for t in types if not t.startswith(("Clock", "Escalation"))]
        assert sorted(lifecycle) == ["ComplaintReceived", "ComplaintTriaged", "WorkOrderCreated"], (
            cid,
            types,
        )
        assert case["status"] == "dispatched"
        assert case["regime"] == REGIMES[case["estate_id"]]
    orders = await stack.rows(
        "dispatch", "SELECT complaint_id FROM work_orders WHERE tenant_id = :t", t=tenant
    )
    assert sorted(r.complaint_id for r in orders) == sorted(ids)


async def test_timeline_keeps_causal_order_and_masks_the_phone(stack: Stack) -> None:
    tenant = "timeline-group"
    await add_tenant(stack, tenant, {"tl-1": "property-role-matrix"})
    [cid] = await post_complaints(stack, [complaint(tenant, "tl-1", 7, text="電梯困人了，快來人")])

    await wait_until(lambda: all_dispatched(stack, tenant, 1), timeout=60, what="the case in archive")
    started_sql = "SELECT count(*) > 0 FROM case_events WHERE complaint_id = :c AND type = 'ClockStarted'"
    await wait_until(lambda: stack.scalar("archive", started_sql, c=cid), 60, "its clocks in archive")
    async with httpx.AsyncClient(base_url=stack.url("archive"), headers=ADMIN) as client:
        case = (await client.get(f"/v1/complaints/{cid}")).json()
    lifecycle = [e for e in case["timeline"] if not e["type"].startswith(("Clock", "Escalation"))]
    received, triaged, ordered = lifecycle
    # the SLA monitor's clocks started because of the triage
    started = [e for e in case["timeline"] if e["type"] == "ClockStarted"]
    assert started and {e["causation_id"] for e in started} == {triaged["event_id"]}
    assert (received["type"], triaged["type"], ordered["type"]) == (
        "ComplaintReceived",
        "ComplaintTriaged",
        "WorkOrderCreated",
    )
    assert triaged["causation_id"] == received["event_id"]
    assert ordered["causation_id"] == triaged["event_id"]
    assert received["payload"]["contact"] == {"name": "李**", "phone": "139****0007"}
    assert case["category"] == "facility" and case["department"] == "engineering"
    assert (case["regime"], case["regime_version"]) == ("property-role-matrix", 1)


async def test_a_retried_channel_message_creates_one_complaint(stack: Stack) -> None:
    tenant = "retry-group"
    await add_tenant(stack, tenant, {"rt-1": "community-standard"})
    body = complaint(tenant, "rt-1", 1, channel="wechat", source_message_id="wx-msg-8812")
    async with httpx.AsyncClient(base_url=stack.url("intake")) as client:
        responses = await asyncio.gather(*(post_complaint(client, stack, body) for _ in range(5)))
    ids = {r.json()["complaint_id"] for r in responses}
    assert len(ids) == 1
    assert sorted(r.status_code for r in responses).count(202) == 1
    await wait_until(lambda: all_dispatched(stack, tenant, 1), timeout=60, what="the case in archive")
    assert (
        await stack.scalar("dispatch", "SELECT count(*) FROM work_orders WHERE tenant_id = :t", t=tenant) == 1
    )
