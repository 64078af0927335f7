"""Callback tasks in the service, on SQLite through its handlers and HTTP API: opened by the
callback clock, cancelled with it, missed calls up to 'unreachable', the survey page and its
single use, who may do what, the outcomes per department, and the feedback form."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pypdfium2 as pdfium
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select

from tests.unit.callback.conftest import T0, deliver, event
from tests.unit.service_runtime import audit_records, outbox, person
from tousu_callback.domain.labels import local
from tousu_callback.models import CallbackTask
from tousu_shared.clock import VirtualClock
from tousu_shared.contracts.case_events import (
    CaseStateChanged,
    ClockCancelled,
    ClockStarted,
    ComplaintResolved,
    DatePromised,
    StaffOnSite,
    WorkOrderDispatched,
)
from tousu_shared.contracts.events import ComplaintReceived, MaskedContact, WorkOrderCreated
from tousu_shared.runtime.service import Runtime

Client = AsyncTestClient[Litestar]
REGIME = "service-station-sop@1"
CREATED = WorkOrderCreated(
    work_order_id="wo-1", department="engineering", category="maintenance", regime=REGIME, level="minor"
)


def received(channel: str = "wechat", registered_by: str | None = None) -> ComplaintReceived:
    return ComplaintReceived(
        regime="service-station-sop",
        channel=channel,
        text="楼上漏水，天花板都湿了",
        room="3-2-1802",
        contact=MaskedContact(name="张**", phone="138****0000"),
        received_at=T0,
        contact_ref="ct-1",
        account_id="acc-1",
        registered_by=registered_by,
    )


def clock_event(
    kind: type[ClockStarted] | type[ClockCancelled], owner: str = "receiver", **extra: Any
) -> Any:
    return kind(
        clock="callback",
        status="running" if kind is ClockStarted else "cancelled",
        target="24 hours",
        started_at=T0,
        due_at=T0 + timedelta(hours=24),
        owner=owner,
        **extra,
    )


async def resolved_case(rt: Runtime, channel: str = "wechat", owner: str = "receiver", **clock: Any) -> str:
    """A complaint taken in by clerk-7, dispatched, fixed, resolved; its callback clock started.
    The id of the task it opened."""
    await deliver(rt, event(received(channel)), topic=rt.topics.received("service-station-sop"))
    await deliver(rt, event(CREATED))
    await deliver(rt, event(WorkOrderDispatched(verb="dispatch", by="clerk-7", to="engineering")))
    await deliver(rt, event(StaffOnSite(verb="onsite", by="eng-1", note="确认防水层破损")))
    promise = DatePromised(verb="promise", by="eng-1", due_at=T0 + timedelta(days=30), reason="一个月内复查")
    await deliver(rt, event(promise))
    await deliver(rt, event(ComplaintResolved(verb="resolve", by="eng-1", note="修补防水层")))
    await deliver(rt, event(clock_event(ClockStarted, owner, **clock)), topic=rt.topics.sla)
    async with rt.sessions() as session:
        [task] = (await session.scalars(select(CallbackTask))).all()
        return task.task_id


async def staged(rt: Runtime, type_: str) -> list[Any]:
    return [(t, e) for t, e in await outbox(rt) if e.type == type_]


class TestOpening:
    async def test_the_callback_clock_opens_a_task_for_the_receiver_and_sends_the_survey(
        self, rt: Runtime, client: Client
    ) -> None:
        task_id = await resolved_case(rt)
        [(topic, opened)] = await staged(rt, "CallbackTaskOpened")
        body = opened.typed_payload()
        assert topic == rt.topics.callbacks
        assert (body.assignee_role, body.assignee, body.round, body.attempts_allowed) == (
            "receiver",
            "clerk-7",
            1,
            3,
        )
        assert (body.channels, body.due_at, body.not_before) == (
            ["phone", "visit", "online_survey"],
            T0 + timedelta(hours=24),
            None,
        )
        [(topic, reply)] = await staged(rt, "ReplyRequested")
        assert topic == rt.topics.outbound("wechat")
        assert (reply.payload["kind"], reply.payload["contact_ref"], reply.payload["account_id"]) == (
            "survey",
            "ct-1",
            "acc-1",
        )
        assert "/survey/" in reply.payload["text"] and "138" not in reply.payload["text"]
        r = await client.get(f"/v1/callbacks/{task_id}")
        assert r.status_code == 200, r.text
        script = r.json()["script"]
        assert script["what_was_done"][-1].endswith("处理完毕：修补防水层")
        assert "一个月内复查" in script["promised"]

    async def test_a_window_that_has_not_opened_sends_no_survey_yet(self, rt: Runtime) -> None:
        await resolved_case(rt, owner="station_head", not_before=T0 + timedelta(hours=24))
        assert await staged(rt, "ReplyRequested") == []
        [(_, opened)] = await staged(rt, "CallbackTaskOpened")
        assert (opened.payload["assignee_role"], opened.payload["assignee"]) == ("station_head", None)

    @pytest.mark.parametrize("channel", ["phone", "app"])
    async def test_a_complaint_whose_channel_cannot_reply_gets_no_survey_by_itself(
        self, rt: Runtime, client: Client, channel: str
    ) -> None:
        task_id = await resolved_case(rt, channel=channel)
        [(_, opened)] = await staged(rt, "CallbackTaskOpened")
        assert opened.payload["channels"] == ["phone", "visit"]
        assert await staged(rt, "ReplyRequested") == []
        r = await client.post(f"/v1/callbacks/{task_id}/survey")  # staff may still hand the link over
        assert (r.status_code, r.json()["sent_to_resident"]) == (201, False)
        assert "/survey/" in r.json()["url"] and await staged(rt, "ReplyRequested") == []

    async def test_a_cancelled_clock_cancels_the_task_and_other_clocks_open_none(self, rt: Runtime) -> None:
        task_id = await resolved_case(rt)
        other = clock_event(ClockStarted).model_copy(update={"clock": "feedback"})
        await deliver(rt, event(other), topic=rt.topics.sla)
        await deliver(rt, event(clock_event(ClockCancelled)), topic=rt.topics.sla)
        async with rt.sessions() as session:
            task = await session.get(CallbackTask, task_id)
            assert task is not None and task.status == "cancelled"
        assert len(await staged(rt, "CallbackTaskOpened")) == 1


class TestAttempts:
    async def test_missed_calls_are_retried_then_the_resident_is_unreachable(
        self, rt: Runtime, client: Client
    ) -> None:
        task_id = await resolved_case(rt, channel="phone")
        assert isinstance(rt.clock, VirtualClock)
        answers = []
        for _ in range(3):
            r = await client.post(
                f"/v1/callbacks/{task_id}/attempts", json={"outcome": "no_answer", "by": "c"}
            )
            assert r.status_code == 201, r.text
            answers.append((r.json()["attempt"], r.json()["status"], r.json()["next_attempt_at"]))
            rt.clock.advance(timedelta(hours=4))
        assert answers[0] == (1, "open", local(T0 + timedelta(hours=4)))
        assert [a[1] for a in answers] == ["open", "open", "unreachable"]
        events = [e.typed_payload() for _, e in await staged(rt, "CallbackAttempted")]
        assert [(e.attempt, e.unreachable) for e in events] == [(1, False), (2, False), (3, True)]
        r = await client.post(f"/v1/callbacks/{task_id}/attempts", json={"outcome": "busy", "by": "c"})
        assert (r.status_code, r.json()["detail"]) == (409, "the callback task is unreachable")
        r = await client.get("/v1/callbacks/summary", params={"tenant": "t1"})
        assert r.json()["departments"][0]["unreachable"] == 1

    async def test_an_unknown_outcome_is_a_400(self, rt: Runtime, client: Client) -> None:
        task_id = await resolved_case(rt)
        r = await client.post(f"/v1/callbacks/{task_id}/attempts", json={"outcome": "asleep", "by": "c"})
        assert r.status_code == 400
        assert (await client.post("/v1/callbacks/nope/attempts", json={"outcome": "busy"})).status_code == 404


class TestAnswering:
    async def test_the_answer_completes_the_task_and_a_dissatisfied_one_counts_as_reopening(
        self, rt: Runtime, client: Client
    ) -> None:
        task_id = await resolved_case(rt)
        body = {
            "by": "clerk-7",
            "satisfaction": "dissatisfied",
            "score": 2,
            "comment": "还在漏",
            "confirmed": False,
        }
        r = await client.post("/v1/complaints/c-1/callback", json=body)
        assert (r.status_code, r.json()["task_id"], r.json()["satisfied"]) == (202, task_id, False)
        [(_, recorded)] = await staged(rt, "CallbackRecorded")
        payload = recorded.typed_payload()
        assert (payload.satisfied, payload.satisfaction, payload.confirmed) == (False, "dissatisfied", False)
        task = (await client.get(f"/v1/callbacks/{task_id}")).json()
        assert (task["status"], task["outcome"], task["reopened_case"], task["done_by"]) == (
            "done",
            "dissatisfied",
            True,
            "clerk-7",
        )
        again = await client.post("/v1/complaints/c-1/callback", json=body | {"satisfaction": "satisfied"})
        assert again.json()["task_id"] is None  # the task is done; a later callback stands alone

    async def test_the_survey_page_takes_one_answer(self, rt: Runtime, client: Client) -> None:
        task_id = await resolved_case(rt)
        r = await client.post(f"/v1/callbacks/{task_id}/survey")
        assert r.status_code == 201, r.text
        path = r.json()["url"].split("127.0.0.1", 1)[1].split("/", 1)[1]
        client.headers.pop("authorization")  # the resident: no sign-in, the link is the credential
        page = await client.get(f"/{path}")
        assert page.status_code == 200 and "修补防水层" in page.text and "张" not in page.text
        r = await client.post(f"/{path}", data={"satisfaction": "basically_satisfied", "score": "4"})
        assert r.status_code == 201, r.text
        assert (await client.post(f"/{path}", data={"satisfaction": "satisfied"})).status_code == 410
        assert (await client.get(f"/{path}")).status_code == 410
        [(_, recorded)] = await staged(rt, "CallbackRecorded")
        assert (recorded.payload["by"], recorded.payload["channel"], recorded.payload["satisfied"]) == (
            "resident",
            "online_survey",
            True,
        )
        assert any(a.payload["actor"] == "resident" for a in await audit_records(rt))

    async def test_a_replaced_expired_forged_or_bad_survey_answer_is_refused(
        self, rt: Runtime, client: Client
    ) -> None:
        task_id = await resolved_case(rt)
        first = (await client.post(f"/v1/callbacks/{task_id}/survey")).json()["url"]
        second = (await client.post(f"/v1/callbacks/{task_id}/survey")).json()["url"]
        old, new = (u.split("127.0.0.1", 1)[1].split("/", 1)[1] for u in (first, second))
        assert (await client.get(f"/{old}")).status_code == 410
        assert (await client.get(f"/{new[:-3]}abc")).status_code == 404
        bad = await client.post(f"/{new}", json={"satisfaction": "ecstatic"})
        assert bad.status_code == 400 and "satisfaction" in bad.text
        assert isinstance(rt.clock, VirtualClock)
        rt.clock.advance(timedelta(hours=73))
        assert (await client.get(f"/{new}")).status_code == 410
        assert await staged(rt, "CallbackRecorded") == []


class TestAccess:
    async def test_a_cleaner_reads_tasks_but_may_not_record_and_another_group_sees_nothing(
        self, rt: Runtime, client: Client
    ) -> None:
        task_id = await resolved_case(rt)
        cleaner = person(rt, "cl-1", "cleaning@e1")
        stranger = person(rt, "x-1", "customer_service@*", tenant="t2")
        assert (await client.get(f"/v1/callbacks/{task_id}", headers=cleaner)).status_code == 200
        r = await client.post(f"/v1/callbacks/{task_id}/attempts", json={"outcome": "busy"}, headers=cleaner)
        assert r.status_code == 403
        assert (await client.get(f"/v1/callbacks/{task_id}", headers=stranger)).status_code == 404
        assert (await client.get("/v1/callbacks", headers=stranger)).json()["items"] == []
        assert (await client.get("/v1/complaints/c-1/feedback-form.pdf", headers=stranger)).status_code == 404


class TestFeedbackForm:
    async def test_the_form_prints_the_case_and_its_callbacks(self, rt: Runtime, client: Client) -> None:
        await resolved_case(rt)
        body = {"by": "clerk-7", "satisfaction": "dissatisfied", "score": 2, "comment": "还在漏"}
        assert (await client.post("/v1/complaints/c-1/callback", json=body)).status_code == 202
        reopened = CaseStateChanged(state="reopened", previous="resolved", because="CallbackRecorded")
        await deliver(rt, event(reopened), topic=rt.topics.sla)
        r = await client.get("/v1/complaints/c-1/feedback-form.pdf")
        assert (r.status_code, r.headers["content-type"]) == (200, "application/pdf")
        document = pdfium.PdfDocument(io.BytesIO(r.content))
        text = "".join(page.get_textpage().get_text_range() for page in document)
        for expected in (
            "住戶投訴處置表",
            "投訴處理標準作業規程",
            "楼上漏水",
            "张**",
            "不满意",
            "还在漏",
            "修补防水层",
            "1 次",
            "维修类",  # maintenance, in the clerk's words
            "轻微",
        ):
            assert expected in text, expected
        assert (await client.get("/v1/complaints/c-404/feedback-form.pdf")).status_code == 404

    @pytest.mark.parametrize("path", ["/v1/callbacks", "/v1/callbacks/summary"])
    async def test_the_operator_names_the_group(self, rt: Runtime, client: Client, path: str) -> None:
        assert (await client.get(path)).status_code == 400
        assert (await client.get(path, params={"tenant": "t1"})).status_code == 200
