"""Intake's channels through the real broker: desk read-back, 不予受理, repeats, accounts."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.harness import (
    ADMIN,
    Stack,
    add_tenant,
    complaint,
    outbox_rows,
    post_complaint,
    post_complaints,
    wait_until,
)


async def _case(stack: Stack, complaint_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=stack.url("archive"), headers=ADMIN) as client:
        r = await client.get(f"/v1/complaints/{complaint_id}")
    return r.json() if r.status_code == 200 else {}


async def _status_is(stack: Stack, complaint_id: str, status: str) -> bool | str:
    case = await _case(stack, complaint_id)
    return True if case.get("status") == status else str(case.get("status"))


async def test_a_desk_form_is_read_back_then_registered_with_its_fields(stack: Stack) -> None:
    tenant = "desk-group"
    await add_tenant(stack, tenant, {"desk-1": "logistics-service"})
    async with httpx.AsyncClient(base_url=stack.url("intake"), headers=ADMIN) as client:
        r = await client.put(
            "/v1/channel-accounts/desk-group-desk",
            json={
                "channel": "desk",
                "tenant_id": tenant,
                "estates": ["desk-1"],
                "secret": "desk-key-0123456789abc",
            },
        )
        assert r.status_code == 200, r.text
    form = {
        "form_id": "desk-form-1",
        "channel": "phone",
        "clerk": "cs-007",
        "name": "李先生",
        "room": "5-2-302",
        "phone": "13900001111",
        "text": "楼上漏水，天花板湿了一大片",
        "location": "主卧",
        "persons_involved": "楼上602住户",
    }
    desk = {"authorization": "Bearer desk-key-0123456789abc"}
    async with httpx.AsyncClient(base_url=stack.url("intake"), headers=desk) as client:
        preview = await client.post("/v1/channels/desk/desk-group-desk?preview=1", json=form)
        unconfirmed = await client.post("/v1/channels/desk/desk-group-desk", json=form)
        registered = await client.post("/v1/channels/desk/desk-group-desk", json={**form, "confirmed": True})
    assert preview.status_code == 200 and "请问记录是否准确" in preview.json()["readback"]
    assert unconfirmed.status_code == 400 and "read the record back" in unconfirmed.text
    assert registered.status_code == 202, registered.text
    cid = registered.json()["complaint_id"]
    await wait_until(
        lambda: _status_is(stack, cid, "dispatched"), timeout=60, what="the desk case dispatched"
    )
    received = (await _case(stack, cid))["timeline"][0]["payload"]
    assert (received["registered_by"], received["confirmed"], received["location"]) == (
        "cs-007",
        True,
        "主卧",
    )
    assert received["contact"] == {"name": "李**", "phone": "139****1111"}


async def test_rejections_are_recorded_reportable_and_never_reach_a_work_order(stack: Stack) -> None:
    tenant = "reject-group"
    await add_tenant(stack, tenant, {"rj-1": "logistics-service"})
    async with httpx.AsyncClient(base_url=stack.url("intake")) as client:
        nobody = await post_complaint(client, stack, complaint(tenant, "rj-1", 1, contact={}))
    assert nobody.status_code == 200 and nobody.json()["status"] == "rejected", nobody.text
    assert nobody.json()["reason"] == "no_facts_or_contact"
    [out_of_scope] = await post_complaints(
        stack, [complaint(tenant, "rj-1", 2, text="隔壁小区的广场舞太吵了")]
    )
    await wait_until(
        lambda: _status_is(stack, out_of_scope, "dispatched"), timeout=60, what="the case dispatched"
    )
    async with httpx.AsyncClient(base_url=stack.url("intake"), headers=ADMIN) as client:
        bad_reason = await client.post(
            f"/v1/complaints/{out_of_scope}/rejection", json={"reason": "too_busy", "staff_id": "cs-1"}
        )
        rejected = await client.post(
            f"/v1/complaints/{out_of_scope}/rejection",
            json={"reason": "out_of_scope", "staff_id": "cs-1", "note": "另一小区的事"},
        )
        twice = await client.post(
            f"/v1/complaints/{out_of_scope}/rejection", json={"reason": "out_of_scope", "staff_id": "cs-1"}
        )
    assert bad_reason.status_code == 422 and "out_of_scope" in bad_reason.text
    assert rejected.status_code == 200 and "不属于本物业管理处的职责范围" in rejected.json()["message"]
    assert twice.status_code == 409
    for cid in (nobody.json()["complaint_id"], out_of_scope):
        await wait_until(
            lambda cid=cid: _status_is(stack, cid, "rejected"), timeout=60, what="rejected in archive"
        )
    decided = [e for e in (await _case(stack, out_of_scope))["timeline"] if e["type"] == "ComplaintRejected"]
    assert decided[0]["payload"]["decided_by"] == "cs-1" and decided[0]["payload"]["note"] == "另一小区的事"
    # the unreachable complaint was never triaged; no consumer dead-lettered a rejection
    assert (
        await stack.scalar(
            "triage",
            "SELECT count(*) FROM triage_results WHERE complaint_id = :c",
            c=nobody.json()["complaint_id"],
        )
        == 0
    )
    for service in ("triage", "archive"):
        assert await outbox_rows(stack, service, tenant, dlq_only=True) == 0


async def test_a_household_repeating_itself_is_linked_to_the_open_case(stack: Stack) -> None:
    tenant = "repeat-group"
    await add_tenant(stack, tenant, {"rp-1": "property-role-matrix"})
    said = complaint(tenant, "rp-1", 1, text="3号楼电梯坏了，请尽快派人来修", room="3-1-1201")
    again = {**said, "text": "怎么还没人来？3号楼电梯坏了请尽快派人来修", "source_message_id": "again-1"}
    [first] = await post_complaints(stack, [said])
    async with httpx.AsyncClient(base_url=stack.url("intake")) as client:
        linked = await post_complaint(client, stack, again)
    assert linked.status_code == 200 and linked.json()["status"] == "linked", linked.text
    assert linked.json()["related_to"] == first

    async def repeated_on_the_first() -> bool | list[str]:
        types = [e["type"] for e in (await _case(stack, first)).get("timeline", [])]
        return True if "ComplaintRepeated" in types and "WorkOrderCreated" in types else types

    await wait_until(repeated_on_the_first, timeout=60, what="the repeat on the first case")
    assert (
        await stack.scalar("dispatch", "SELECT count(*) FROM work_orders WHERE tenant_id = :t", t=tenant) == 1
    )
