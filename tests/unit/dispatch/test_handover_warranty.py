"""003's warranty routing of a builder's repair and 004's handover record, through the staff API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.unit.dispatch.conftest import work_order_of
from tests.unit.dispatch.test_assignment import ROSTER
from tests.unit.service_runtime import outbox
from tousu_shared.runtime.service import Runtime

RECEIVED = datetime.fromisoformat("2026-03-02T10:00:00+08:00")


async def _dispatch(client: AsyncTestClient[Litestar], order_id: str, **body: Any) -> Any:
    return await client.post(
        f"/v1/work-orders/{order_id}/actions", json={"verb": "dispatch", "by": "be-01", **body}
    )


async def _last_event(rt: Runtime) -> dict[str, Any]:
    _, event = (await outbox(rt))[-1]
    return {"type": event.type, **event.payload}


async def test_a_builder_repair_within_the_warranty_goes_to_the_project_team(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    roster = ROSTER | {"completion_accepted_on": "2024-05-01", "buildings": {"9栋": "2025-12-01"}}
    assert (await client.put("/v1/estates/e1/roster", json=roster)).status_code == 200
    order = await work_order_of(rt, regime="developer-customer-service", received_at=RECEIVED)
    r = await _dispatch(client, order.work_order_id, to="builder_team", building="9栋", reason="外墙渗水")
    assert r.status_code == 202, r.text
    assert r.json()["to"] == "builder_project_team"
    assert r.json()["reason"] == (
        "within the 1-year warranty: building 9栋 accepted on 2025-12-01, complaint received 2026-03-02 "
        "(warranty ends 2026-12-01); 外墙渗水"
    )
    event = await _last_event(rt)
    assert (event["type"], event["to"]) == ("WorkOrderDispatched", "builder_project_team")
    [action] = (await client.get(f"/v1/work-orders/{order.work_order_id}")).json()["actions"]
    assert action["to"] == "builder_project_team" and action["reason"] == r.json()["reason"]


async def test_after_the_warranty_the_maintenance_group(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    roster = ROSTER | {"completion_accepted_on": "2024-05-01"}
    assert (await client.put("/v1/estates/e1/roster", json=roster)).status_code == 200
    order = await work_order_of(rt, regime="developer-customer-service", received_at=RECEIVED)
    r = await _dispatch(client, order.work_order_id, to="builder_team")
    assert r.status_code == 202 and r.json()["to"] == "builder_maintenance_group"
    assert r.json()["reason"].startswith("after the 1-year warranty: the estate accepted on 2024-05-01")


async def test_an_estate_with_a_longer_warranty_keeps_the_project_team(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    roster = ROSTER | {"completion_accepted_on": "2024-05-01"}
    assert (await client.put("/v1/estates/e1/roster", json=roster)).status_code == 200
    order = await work_order_of(
        rt, regime="developer-customer-service", received_at=RECEIVED, parameters={"warranty_years": 2}
    )
    r = await _dispatch(client, order.work_order_id, to="builder_team")
    assert r.status_code == 202 and r.json()["to"] == "builder_project_team"
    assert r.json()["reason"].startswith("within the 2-year warranty: the estate accepted on 2024-05-01")


async def test_the_warranty_needs_a_completion_date(rt: Runtime, client: AsyncTestClient[Litestar]) -> None:
    order = await work_order_of(rt, regime="developer-customer-service", received_at=RECEIVED)
    r = await _dispatch(client, order.work_order_id, to="builder_team")
    assert r.status_code == 422 and "set completion_accepted_on" in r.text
    r = await _dispatch(client, order.work_order_id, to="builder_maintenance_group", reason="与业主约定")
    assert r.status_code == 202 and r.json()["to"] == "builder_maintenance_group"  # named: as given


async def test_the_alias_is_003s_and_dispatchs_only(rt: Runtime, client: AsyncTestClient[Litestar]) -> None:
    order = await work_order_of(rt, regime="community-standard")
    r = await _dispatch(client, order.work_order_id, to="builder_team")
    assert r.status_code == 422 and "unknown role 'builder_team'" in r.text
    order = await work_order_of(rt, "c-2", regime="developer-customer-service")
    r = await client.post(
        f"/v1/work-orders/{order.work_order_id}/actions",
        json={"verb": "escalate", "by": "s", "to": "builder_team"},
    )
    assert r.status_code == 422 and "for dispatch only" in r.text


async def test_004_hands_a_case_over_with_background_and_expectation(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    order = await work_order_of(rt, regime="property-role-matrix", severity=None)
    r = await _dispatch(client, order.work_order_id, background="3单元电梯昨日起异响")
    assert r.status_code == 422
    assert "missing 'expectation'" in r.text and "诉求+背景+业主期望" in r.text
    handover = {"background": "3单元电梯昨日起异响，上次维保9月1日", "expectation": "今天内排查并告知结果"}
    r = await _dispatch(client, order.work_order_id, **handover)
    assert r.status_code == 202, r.text
    event = await _last_event(rt)
    assert (event["background"], event["expectation"]) == (handover["background"], handover["expectation"])
    [action] = (await client.get(f"/v1/work-orders/{order.work_order_id}")).json()["actions"]
    assert {k: action[k] for k in handover} == handover


async def test_other_regimes_dispatch_without_a_handover_record(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    order = await work_order_of(rt, regime="community-standard")
    assert (await _dispatch(client, order.work_order_id)).status_code == 202
