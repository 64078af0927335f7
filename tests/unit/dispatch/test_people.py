"""People act on work orders as themselves: in the estates where their roles allow it, never
in another group's, and every act leaves its audit record in the same transaction."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.unit.dispatch.conftest import work_order_of
from tests.unit.service_runtime import audit_records, outbox, person
from tousu_shared.runtime.service import Runtime

Client = AsyncTestClient[Litestar]


async def test_an_engineer_acts_as_himself_and_the_act_is_audited(rt: Runtime, client: Client) -> None:
    order = await work_order_of(rt)
    r = await client.post(
        f"/v1/work-orders/{order.work_order_id}/actions",
        json={"verb": "onsite"},
        headers=person(rt, "eng-07", "engineering@e1"),
    )
    assert r.status_code == 202, r.text
    _, event = (await outbox(rt))[-1]
    assert event.typed_payload().by == "eng-07"
    [record] = await audit_records(rt)
    audit = record.typed_payload()
    assert (audit.actor, audit.actor_kind, audit.action, audit.acting_for) == (
        "eng-07",
        "person",
        "workorder.act:onsite",
        None,
    )
    assert audit.caused_event_id == event.event_id == record.causation_id
    assert (record.tenant_id, record.estate_id, record.complaint_id) == ("t1", "e1", "c-1")


async def test_the_operator_names_who_it_acts_for(rt: Runtime, client: Client) -> None:
    order = await work_order_of(rt)
    url = f"/v1/work-orders/{order.work_order_id}/actions"
    assert (await client.post(url, json={"verb": "onsite"})).status_code == 400
    assert (await client.post(url, json={"verb": "onsite", "by": "eng-07"})).status_code == 202
    [record] = await audit_records(rt)
    assert (record.typed_payload().actor, record.typed_payload().acting_for) == ("operator", "eng-07")


async def test_a_person_cannot_act_under_someone_elses_name(rt: Runtime, client: Client) -> None:
    order = await work_order_of(rt)
    r = await client.post(
        f"/v1/work-orders/{order.work_order_id}/actions",
        json={"verb": "onsite", "by": "eng-99"},
        headers=person(rt, "eng-07", "engineering@e1"),
    )
    assert r.status_code == 400 and "acts as themselves" in r.text
    assert await audit_records(rt) == []


@pytest.mark.parametrize(
    ("roles", "tenant", "status"),
    [
        (("engineering@e2",), "t1", 403),  # the right role in another estate
        (("engineering@e1",), "t2", 404),  # another group: its work order does not exist for them
        (("general_manager@*",), "t2", 404),
        ((), "t1", 403),  # no role at all
    ],
)
async def test_outside_their_estates_or_group_nothing_is_shown_or_done(
    rt: Runtime, client: Client, roles: tuple[str, ...], tenant: str, status: int
) -> None:
    order = await work_order_of(rt)
    headers = person(rt, "eng-07", *roles, tenant=tenant)
    before = await outbox(rt, audit=True)
    acted = await client.post(
        f"/v1/work-orders/{order.work_order_id}/actions", json={"verb": "onsite"}, headers=headers
    )
    assert acted.status_code == status, acted.text
    assert (await client.get(f"/v1/work-orders/{order.work_order_id}", headers=headers)).status_code == status
    assert await outbox(rt, audit=True) == before


async def test_a_cleaner_cannot_reassign(rt: Runtime, client: Client) -> None:
    order = await work_order_of(rt)
    r = await client.post(
        f"/v1/work-orders/{order.work_order_id}/assign",
        json={},
        headers=person(rt, "cl-3", "cleaning@e1"),
    )
    assert r.status_code == 403, r.text


async def test_lists_show_only_the_callers_group_and_estates(rt: Runtime, client: Client) -> None:
    await work_order_of(rt, "c-1")  # t1 / e1
    mine = person(rt, "eng-07", "engineering@e1")
    r = await client.get("/v1/work-orders", headers=mine)
    assert [o["complaint_id"] for o in r.json()["items"]] == ["c-1"]
    elsewhere = person(rt, "eng-08", "engineering@e2")
    assert (await client.get("/v1/work-orders", headers=elsewhere)).json()["items"] == []
    other_group = person(rt, "x", "general_manager@*", tenant="t2")
    assert (await client.get("/v1/work-orders", headers=other_group)).json()["items"] == []
    # naming another group's id in a filter is a 404, not a peek
    assert (
        await client.get("/v1/work-orders", params={"tenant": "t1"}, headers=other_group)
    ).status_code == 404
    assert (await client.get("/v1/work-orders", params={"assignee": "me"}, headers=mine)).status_code == 200


async def test_forged_and_foreign_tokens_are_401(rt: Runtime, client: Client) -> None:
    order = await work_order_of(rt)
    url = f"/v1/work-orders/{order.work_order_id}"
    genuine = person(rt, "eng-07", "engineering@e1")["authorization"]
    head, body, signature = genuine.split(" ")[1].split(".")
    tampered = f"Bearer {head}.{body}.{signature[:-4]}AAAA"
    for header in (tampered, "Bearer eyJhbGciOi.bad.token", "Basic abc", "Bearer "):
        assert (await client.get(url, headers={"authorization": header})).status_code == 401


async def test_one_request_caller_is_never_anothers(rt: Runtime, client: Client) -> None:
    order = await work_order_of(rt)
    url = f"/v1/work-orders/{order.work_order_id}"
    assert (await client.get(url, headers=person(rt, "eng-07", "engineering@e1"))).status_code == 200
    assert (
        await client.get(url, headers={"authorization": "Bearer eyJhbGciOi.bad.token"})
    ).status_code == 401
    assert (await client.get(url, headers=person(rt, "eng-08", "engineering@e2"))).status_code == 403
