"""Callback: which cases it knows and their state, and recording a callback over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.unit.callback.conftest import T0, deliver, event
from tests.unit.service_runtime import outbox
from tousu_callback.domain.cases import CallbackRefused, check_can_call_back, state_after
from tousu_callback.domain.labels import SHANGHAI
from tousu_callback.models import CallbackCase
from tousu_shared.clock import VirtualClock
from tousu_shared.contracts.case_events import (
    CaseClosed,
    CaseStateChanged,
    ClockStarted,
    ComplaintResolved,
    ComplaintWithdrawn,
    WorkOrderAccepted,
)
from tousu_shared.contracts.events import WorkOrderCreated
from tousu_shared.runtime.service import Runtime

Client = AsyncTestClient[Litestar]
CREATED = WorkOrderCreated(work_order_id="wo-1", department="engineering", category="facility")


async def case_of(rt: Runtime, complaint_id: str = "c-1") -> CallbackCase | None:
    async with rt.sessions() as session:
        return await session.get(CallbackCase, complaint_id)


async def status_of(rt: Runtime, complaint_id: str = "c-1") -> str | None:
    case = await case_of(rt, complaint_id)
    return case.status if case else None


async def call_back(client: Client, complaint_id: str = "c-1", **body: Any) -> Any:
    return await client.post(f"/v1/complaints/{complaint_id}/callback", json={"by": "cs-2", **body})


class TestRules:
    @pytest.mark.parametrize("status", ["closed", "withdrawn"])
    def test_a_closed_or_withdrawn_case_takes_no_callback(self, status: str) -> None:
        with pytest.raises(CallbackRefused, match=f"complaint c-1 is {status}"):
            check_can_call_back("c-1", status)

    @pytest.mark.parametrize("status", ["open", "resolved", "reopened"])
    def test_others_do(self, status: str) -> None:
        check_can_call_back("c-1", status)

    def test_staff_actions_move_the_case_as_the_regime_engine_does(self) -> None:
        assert state_after("resolve", "on_site") == "resolved"
        assert state_after("withdraw", "open") == "withdrawn"
        assert state_after("progress", "on_site") == "on_site"


class TestFollowing:
    async def test_a_work_order_makes_an_open_case_once(self, rt: Runtime) -> None:
        await deliver(rt, event(CREATED))
        await deliver(rt, event(CREATED.model_copy(update={"work_order_id": "wo-2"})))
        case = await case_of(rt)
        assert case is not None
        assert (case.tenant_id, case.estate_id, case.work_order_id, case.status, case.updated_at) == (
            "t1",
            "e1",
            "wo-1",
            "open",
            T0,
        )

    async def test_the_case_follows_staff_actions_and_the_rules(self, rt: Runtime) -> None:
        await deliver(rt, event(CREATED))
        await deliver(rt, event(WorkOrderAccepted(verb="accept", by="s1")))
        assert await status_of(rt) == "accepted"
        assert isinstance(rt.clock, VirtualClock)
        later = rt.clock.advance(timedelta(hours=1))
        await deliver(rt, event(ComplaintResolved(verb="resolve", by="s1")))
        case = await case_of(rt)
        assert case is not None and (case.status, case.updated_at) == ("resolved", later)
        reopened = CaseStateChanged(state="reopened", previous="resolved", because="CallbackRecorded")
        await deliver(rt, event(reopened), topic=rt.topics.sla)
        assert await status_of(rt) == "reopened"
        await deliver(rt, event(CaseClosed(verb="close", by="s1")))
        assert await status_of(rt) == "closed"

    async def test_other_events_and_unknown_complaints_change_nothing(self, rt: Runtime) -> None:
        await deliver(rt, event(CREATED))
        started = ClockStarted(clock="callback", status="running", target="1 day", started_at=T0, due_at=T0)
        await deliver(rt, event(started), topic=rt.topics.sla)
        closed = CaseStateChanged(state="closed", previous="resolved", because="CallbackRecorded")
        await deliver(rt, event(closed, complaint_id="c-2"), topic=rt.topics.sla)
        await deliver(rt, event(ComplaintResolved(verb="resolve"), complaint_id="c-3"))
        assert await status_of(rt) == "open"
        assert (await case_of(rt, "c-2"), await case_of(rt, "c-3")) == (None, None)


class TestRecording:
    async def test_a_callback_is_sent_as_an_event(self, rt: Runtime, client: Client) -> None:
        await deliver(rt, event(CREATED))
        await deliver(rt, event(ComplaintResolved(verb="resolve", by="s1")))
        r = await call_back(client, satisfied=False, score=2, comment="still dripping", channel="visit")
        assert r.status_code == 202, r.text
        answer = r.json()
        [(topic, recorded)] = await outbox(rt)
        assert answer == {
            "event_id": recorded.event_id,
            "complaint_id": "c-1",
            "work_order_id": "wo-1",
            "task_id": None,
            "satisfied": False,
            "satisfaction": "dissatisfied",
            "occurred_at": T0.astimezone(SHANGHAI).isoformat(),
        }
        assert (topic, recorded.type, recorded.occurred_at) == (rt.topics.callbacks, "CallbackRecorded", T0)
        assert (recorded.tenant_id, recorded.estate_id, recorded.complaint_id) == ("t1", "e1", "c-1")
        payload = recorded.typed_payload()
        assert (payload.verb, payload.work_order_id, payload.by, payload.satisfied) == (
            "callback",
            "wo-1",
            "cs-2",
            False,
        )
        assert (payload.score, payload.comment, payload.channel) == (2, "still dripping", "visit")
        assert payload.satisfaction == "dissatisfied"

    async def test_the_channel_is_the_phone_unless_said(self, rt: Runtime, client: Client) -> None:
        await deliver(rt, event(CREATED))
        assert (await call_back(client, satisfied=True)).status_code == 202
        assert (await outbox(rt))[0][1].payload["channel"] == "phone"

    async def test_an_unknown_complaint_is_a_404(self, rt: Runtime, client: Client) -> None:
        r = await call_back(client, "c-404", satisfied=True)
        assert (r.status_code, r.json()["detail"]) == (404, "no complaint 'c-404' with a work order")

    @pytest.mark.parametrize("final", [CaseClosed(verb="close"), ComplaintWithdrawn(verb="withdraw")])
    async def test_a_closed_or_withdrawn_case_is_a_409(
        self, rt: Runtime, client: Client, final: CaseClosed | ComplaintWithdrawn
    ) -> None:
        await deliver(rt, event(CREATED))
        await deliver(rt, event(final))
        r = await call_back(client, satisfied=True)
        assert r.status_code == 409
        assert r.json()["detail"].startswith("complaint c-1 is ")
        assert await outbox(rt) == []

    @pytest.mark.parametrize(
        "body",
        [
            {"by": "cs-2"},
            {"by": "", "satisfied": True},
            {"by": "cs-2", "satisfied": True, "score": 6},
            {"by": "cs-2", "satisfied": True, "score": 0},
            {"by": "cs-2", "satisfied": True, "comment": "c" * 2001},
            {"by": "cs-2", "satisfied": True, "channel": "pigeon"},
            {"by": "cs-2", "satisfied": True, "mood": "good"},
            {"by": "cs-2", "satisfaction": "thrilled"},
            {"by": "cs-2", "satisfaction": "dissatisfied", "satisfied": True},
        ],
    )
    async def test_a_malformed_body_is_a_400(self, rt: Runtime, client: Client, body: dict[str, Any]) -> None:
        await deliver(rt, event(CREATED))
        r = await client.post("/v1/complaints/c-1/callback", json=body)
        assert r.status_code == 400, r.text
        assert await outbox(rt) == []

    async def test_without_the_admin_token_nothing_is_recorded(self, rt: Runtime, client: Client) -> None:
        await deliver(rt, event(CREATED))
        client.headers.pop("authorization")
        assert (await call_back(client, satisfied=True)).status_code == 401
        client.headers["authorization"] = "Bearer wrong"
        assert (await call_back(client, satisfied=True)).status_code == 401
        assert await outbox(rt) == []
