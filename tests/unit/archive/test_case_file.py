"""The case file follows a case to its end, whatever order its events arrive in from five
topics; the query filters and the household dossier over it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pydantic import BaseModel

from tests.unit.service_runtime import person, routes_client, service_runtime
from tousu_archive.app import SPEC
from tousu_archive.case_file import apply, building_of
from tousu_archive.handlers import on_any_event
from tousu_archive.models import CaseFile
from tousu_shared.contracts.case_events import (
    CallbackRecorded,
    CaseStateChanged,
    ClockBreached,
    ComplaintResolved,
    EscalationRaised,
    WorkOrderAccepted,
)
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import (
    ComplaintReceived,
    ComplaintTriaged,
    MaskedContact,
    WorkOrderAssigned,
    WorkOrderCreated,
)
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.runtime.service import Runtime

T0 = datetime(2026, 4, 6, 1, 0, tzinfo=UTC)
TOKEN = "archive-unit-token"


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def received(
    text: str = "楼上漏水，天花板都湿了", room: str = "7-1-1103", hours: float = 0
) -> ComplaintReceived:
    return ComplaintReceived(
        regime="developer-customer-service",
        channel="app",
        text=text,
        room=room,
        contact=MaskedContact(name="王**"),
        received_at=at(hours),
    )


TRIAGED = ComplaintTriaged(
    regime="developer-customer-service",
    topic="water_leak",
    category="engineering-quality",
    department="engineering",
    confidence=0.9,
    classifier="x",
    urgency=None,
    severity="general",
)
BREACH = ClockBreached(
    clock="property_fix", status="breached", target="3 days", started_at=at(1), due_at=at(73)
)

#: a reopened case's life, in the order it happened
LIFE: list[tuple[float, BaseModel]] = [
    (0, received()),
    (0.01, TRIAGED),
    (0.02, WorkOrderCreated(work_order_id="wo-1", department="engineering", category="engineering-quality")),
    (0.03, WorkOrderAssigned(work_order_id="wo-1", staff_id="eng-1", team_id="eng", reason="on shift")),
    (1, WorkOrderAccepted(verb="accept", by="eng-1")),
    (20, ComplaintResolved(verb="resolve", by="eng-1")),
    (26, CallbackRecorded(verb="callback", satisfied=False, satisfaction="dissatisfied")),
    (26.001, CaseStateChanged(state="reopened", previous="resolved", because="callback", reason="还在漏")),
    (73, BREACH),
    (73.001, EscalationRaised(to_role="line_leader", reason="overdue", trigger="breach")),
    (80, ComplaintResolved(verb="resolve", by="eng-1")),
    (85, CallbackRecorded(verb="callback", satisfied=True, satisfaction="basically_satisfied")),
    (
        85.001,
        CaseStateChanged(
            state="closed", previous="resolved", because="callback", reason="resident satisfied"
        ),
    ),
]


def filed(order: list[int]) -> CaseFile:
    case = CaseFile(complaint_id="c-1", tenant_id="t1", estate_id="e1", status="new", updated_at=T0)
    for i in order:
        hours, payload = LIFE[i]
        apply(case, type(payload).__name__, payload, at(hours))
    return case


def summary(case: CaseFile) -> tuple[Any, ...]:
    return (
        case.status,
        case.closed_at,
        case.reopened,
        case.callbacks,
        case.satisfaction,
        case.breaches,
        case.escalations,
        case.assignee,
        case.building,
        case.department,
        case.event_count,
    )


def test_in_order_the_file_ends_closed_with_the_cases_whole_story() -> None:
    assert summary(filed(list(range(len(LIFE))))) == (
        "closed",
        at(85.001),
        1,
        2,
        "basically_satisfied",
        1,
        1,
        "eng-1",
        "7",
        "engineering",
        len(LIFE),
    )


@given(st.permutations(list(range(len(LIFE)))))
@settings(max_examples=300)
def test_any_arrival_order_files_the_same_case(order: list[int]) -> None:
    assert summary(filed(order)) == summary(filed(list(range(len(LIFE)))))


def test_a_late_staff_action_does_not_undo_a_later_state() -> None:
    case = filed([0, 1, 2, 6, 7])  # reopened at 26 h
    apply(case, "WorkOrderAccepted", LIFE[4][1], at(1))  # the 1 h acceptance arrives last
    assert (case.status, case.closed_at) == ("reopened", None)


@pytest.mark.parametrize(
    ("room", "building"), [("7-1-1103", "7"), ("12栋-2-301", "12栋"), ("1103", None), (None, None)]
)
def test_the_building_is_the_first_part_of_the_room(room: str | None, building: str | None) -> None:
    assert building_of(room) == building


# -- the query API over it ---------------------------------------------------------------------


@pytest.fixture
async def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("TOUSU_ADMIN_TOKEN", TOKEN)
    async with service_runtime(SPEC, tmp_path, T0) as runtime:
        yield runtime


@pytest.fixture
async def client(rt: Runtime) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with routes_client(rt, {"authorization": f"Bearer {TOKEN}"}) as test_client:
        yield test_client


async def file_events(
    rt: Runtime, complaint_id: str, *events: tuple[float, BaseModel], tenant: str = "t1"
) -> None:
    for hours, payload in events:
        envelope = Envelope.new(
            payload=payload,
            occurred_at=at(hours),
            tenant_id=tenant,
            estate_id="e1",
            complaint_id=complaint_id,
        )
        async with rt.sessions() as session, session.begin():
            await on_any_event(HandlerContext(session, rt.clock, rt.topics, "t"), envelope)


async def three_cases(rt: Runtime) -> None:
    await file_events(rt, "c-1", *LIFE)  # 7-1-1103, leak, overdue once, closed
    await file_events(
        rt, "c-2", (30, received("电梯又坏了，困在里面", room="7-2-502", hours=30)), (30.01, TRIAGED)
    )
    await file_events(rt, "c-3", (50, received("楼上漏水到我家卫生间", room="7-1-1103", hours=50)))


async def ids(client: AsyncTestClient[Litestar], **params: Any) -> list[str]:
    r = await client.get("/v1/complaints", params={"tenant_id": "t1", **params})
    assert r.status_code == 200, r.text
    assert r.json()["total"] == len(r.json()["items"])
    return [item["complaint_id"] for item in r.json()["items"]]


async def test_filters_narrow_the_page(rt: Runtime, client: AsyncTestClient[Litestar]) -> None:
    await three_cases(rt)
    assert await ids(client) == ["c-3", "c-2", "c-1"]  # newest first
    assert await ids(client, q="漏水") == ["c-3", "c-1"]
    assert await ids(client, q="漏水 卫生间") == ["c-3"]
    assert await ids(client, q="100%_") == []  # LIKE's wildcards are words like any other
    assert await ids(client, overdue=True) == ["c-1"]
    assert await ids(client, status="closed") == ["c-1"]
    assert await ids(client, building="7", department="engineering") == ["c-2", "c-1"]
    assert await ids(client, received_from=at(30).isoformat(), received_to=at(50).isoformat()) == ["c-2"]
    assert (await client.get("/v1/complaints", params={"tenant_id": "t1", "q": ""})).status_code == 400


async def test_the_household_dossier_holds_the_rooms_cases_oldest_first(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    await three_cases(rt)
    await file_events(
        rt, "x-9", (5, received(room="7-1-1103")), tenant="t2"
    )  # another group's estate? no: e1
    r = await client.get("/v1/households/e1/7-1-1103")
    assert r.status_code == 200, r.text
    assert [c["complaint_id"] for c in r.json()["cases"]] == ["c-1", "c-3"]
    assert r.json()["cases"][0]["status"] == "closed"
    stranger = person(rt, "cs-9", "customer_service@*", tenant="t9")
    assert (await client.get("/v1/households/e1/7-1-1103", headers=stranger)).status_code == 404
