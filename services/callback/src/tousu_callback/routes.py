"""Staff call residents back: record the answer, a call that did not get through, or send
the online survey link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, post
from litestar.exceptions import NotFoundException
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_callback.domain.labels import local
from tousu_callback.domain.tasks import failed_attempt
from tousu_callback.facts import case_facts
from tousu_callback.models import CallbackCase, CallbackTask
from tousu_callback.recording import Conflict, audit, check_task, locked_case, open_task, record_answer
from tousu_callback.schemas import AttemptIn, CallbackIn
from tousu_callback.survey import SurveyIssuer
from tousu_shared.contracts.events import CallbackAttempted
from tousu_shared.delivery.outbox import add_event
from tousu_shared.identity.principal import Principal
from tousu_shared.identity.web import acting_as
from tousu_shared.runtime.service import Runtime, identity_of, runtime_of


@post("/v1/complaints/{complaint_id:str}/callback", tags=["callbacks"], status_code=HTTP_202_ACCEPTED)
async def record_callback(
    request: Request[Any, Any, Any], complaint_id: str, data: CallbackIn
) -> dict[str, Any]:
    """Record what the resident said; the SLA monitor decides what it does to the case
    (close, reopen, review). Completes the case's open callback task, if any."""
    rt = runtime_of(request)
    who = await identity_of(request).caller(request)
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        case = await locked_case(session, complaint_id)
        identity_of(request).require(request, who, "callback.record", case.tenant_id, case.estate_id)
        by = acting_as(who, data.by)
        task = await open_task(session, complaint_id)
        check_task(case, task)
        event = await record_answer(
            session,
            rt.topics,
            case,
            task,
            data,
            who=who,
            by=by,
            channel=data.channel,
            confirmed=data.confirmed,
            now=now,
        )
    _wake(rt)
    return {
        "event_id": event.event_id,
        "complaint_id": complaint_id,
        "work_order_id": case.work_order_id,
        "task_id": task.task_id if task else None,
        "satisfied": data.level != "dissatisfied",
        "satisfaction": data.level,
        "occurred_at": local(now),
    }


async def _task_for(
    request: Request[Any, Any, Any], session: AsyncSession, task_id: str, who: Principal
) -> tuple[CallbackTask, CallbackCase]:
    """The task (locked) and its case, for a caller who may record callbacks in its estate."""
    task = await session.get(CallbackTask, task_id, with_for_update=True)
    if task is None:
        raise NotFoundException(f"no callback task {task_id!r}")
    identity_of(request).require(request, who, "callback.record", task.tenant_id, task.estate_id)
    case = await locked_case(session, task.complaint_id)
    return task, case


@post("/v1/callbacks/{task_id:str}/attempts", tags=["callbacks"], status_code=HTTP_201_CREATED)
async def record_attempt(request: Request[Any, Any, Any], task_id: str, data: AttemptIn) -> dict[str, Any]:
    """A call that did not reach the resident: the next try is scheduled after the regime's
    retry interval; after the last allowed try the task ends ``unreachable``."""
    rt = runtime_of(request)
    who = await identity_of(request).caller(request)
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        task, case = await _task_for(request, session, task_id, who)
        check_task(case, task)
        by = acting_as(who, data.by)
        retry = timedelta(seconds=task.retry_seconds)
        result = failed_attempt(task.attempts, task.attempts_allowed, retry, now)
        task.attempts, task.next_attempt_at = result.attempt, result.next_attempt_at
        if result.unreachable:
            task.status, task.outcome, task.done_by, task.done_at = "unreachable", "unreachable", by, now
        attempted = CallbackAttempted(
            task_id=task.task_id,
            attempt=result.attempt,
            outcome=data.outcome,
            channel=data.channel,
            by=by,
            next_attempt_at=result.next_attempt_at,
            unreachable=result.unreachable,
        )
        event = case.event(attempted, now)
        add_event(session, rt.topics.callbacks, event, now)
        detail = {"attempt": result.attempt, "outcome": data.outcome}
        audit(session, rt.topics, who, case, now, detail, caused=event, acting_for=by)
    _wake(rt)
    return {
        "task_id": task.task_id,
        "attempt": result.attempt,
        "status": task.status,
        "next_attempt_at": local(result.next_attempt_at),
    }


@post("/v1/callbacks/{task_id:str}/survey", tags=["callbacks"], status_code=HTTP_201_CREATED)
async def send_survey(request: Request[Any, Any, Any], task_id: str) -> dict[str, Any]:
    """Issue the task's online survey link (a new one replaces the last) and send it back
    through the complaint's channel, when it came online; the link is returned either way."""
    rt = runtime_of(request)
    surveys: SurveyIssuer = rt.state["surveys"]
    who = await identity_of(request).caller(request)
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        task, case = await _task_for(request, session, task_id, who)
        check_task(case, task)
        facts = await case_facts(session, task.complaint_id)
        if facts is None:
            raise Conflict(f"nothing is known yet of complaint {task.complaint_id}")
        url, reply = surveys.send(
            lambda topic, e: add_event(session, topic, e, now), rt.topics, now, task, facts
        )
        audit(session, rt.topics, who, case, now, {"survey": "sent" if reply else "link"}, caused=reply)
        expires_at = task.survey_expires_at
    _wake(rt)
    return {
        "task_id": task_id,
        "url": url,
        "expires_at": local(expires_at),
        "sent_to_resident": reply is not None,
    }


def _wake(rt: Runtime) -> None:
    if rt.relay:
        rt.relay.wake()
