"""Plans that need approval (001), compensations (003), and four-eyes decisions."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.unit.dispatch.conftest import work_order_of
from tests.unit.service_runtime import outbox
from tousu_shared.runtime.service import Runtime


async def test_a_plan_under_001_waits_for_the_supervisor(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    order = await work_order_of(rt, regime="logistics-service", severity=None)
    body = {
        "verb": "plan",
        "by": "eng-07",
        "note": "更换整段立管，需停水4小时",
        "due_at": "2026-09-18T18:00:00+08:00",
    }
    r = await client.post(f"/v1/work-orders/{order.work_order_id}/actions", json=body)
    assert r.status_code == 202, r.text
    types = [e.type for _, e in await outbox(rt)]
    assert types[-2:] == ["PlanSubmitted", "ApprovalRequested"]
    [pending] = (await client.get(f"/v1/work-orders/{order.work_order_id}/approvals")).json()["items"]
    assert (pending["kind"], pending["approver_role"], pending["status"]) == ("plan", "supervisor", "pending")
    assert pending["subject"] == {"note": "更换整段立管，需停水4小时", "due_at": "2026-09-18T18:00:00+08:00"}

    own = await client.post(
        f"/v1/approvals/{pending['approval_id']}", json={"by": "eng-07", "approved": True}
    )
    assert own.status_code == 422 and "cannot also decide" in own.text
    yes = await client.post(f"/v1/approvals/{pending['approval_id']}", json={"by": "sup-1", "approved": True})
    assert yes.status_code == 202 and yes.json()["status"] == "approved"
    again = await client.post(
        f"/v1/approvals/{pending['approval_id']}", json={"by": "sup-2", "approved": False}
    )
    assert again.status_code == 409 and "already approved" in again.text
    _, decided = (await outbox(rt))[-1]
    assert (decided.type, decided.payload["approved"], decided.payload["decided_by"]) == (
        "ApprovalDecided",
        True,
        "sup-1",
    )


async def test_a_plan_where_the_regime_asks_no_approval_needs_none(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    order = await work_order_of(rt)  # community-standard
    r = await client.post(f"/v1/work-orders/{order.work_order_id}/actions", json={"verb": "plan", "by": "e1"})
    assert r.status_code == 202
    assert (await client.get(f"/v1/work-orders/{order.work_order_id}/approvals")).json()["items"] == []


async def test_compensations_are_recorded_then_decided(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    order = await work_order_of(rt, regime="developer-customer-service", severity=None)
    url = f"/v1/work-orders/{order.work_order_id}/compensations"
    waiver = {"by": "cs-2", "kind": "management_fee_waiver", "months": 2, "reason": "渗水导致木地板损坏"}
    r = await client.post(url, json=waiver)
    assert r.status_code == 202 and r.json()["status"] == "pending"
    _, requested = (await outbox(rt))[-1]
    assert requested.type == "ApprovalRequested"
    assert requested.payload["subject"] == {
        "kind": "management_fee_waiver",
        "months": 2,
        "reason": "渗水导致木地板损坏",
    }
    no = await client.post(f"/v1/approvals/{r.json()['approval_id']}", json={"by": "pm-1", "approved": False})
    assert no.status_code == 202 and no.json()["status"] == "rejected"
    bad = await client.post(url, json={"by": "cs-2", "kind": "cash", "reason": "赔偿"})
    assert bad.status_code == 400 and "amount_yuan" in bad.text
    bad = await client.post(url, json={"by": "cs-2", "kind": "voucher", "amount_yuan": "50", "reason": "x"})
    assert bad.status_code == 400
    assert (await client.post("/v1/approvals/nope", json={"by": "x", "approved": True})).status_code == 404
