"""Recording what a callback found, in one transaction: the ``CallbackRecorded`` the SLA
monitor applies (satisfied closes the case; dissatisfied reopens it or makes it a review
item, as the regime says), the task's outcome, and the audit record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar.exceptions import ClientException, NotFoundException
from litestar.status_codes import HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_callback.domain.cases import CallbackRefused, check_can_call_back
from tousu_callback.domain.tasks import Satisfaction, TaskRefused, check_open, satisfied
from tousu_callback.facts import case_facts
from tousu_callback.models import CallbackCase, CallbackTask
from tousu_callback.schemas import Answer
from tousu_shared.contracts.case_events import CallbackRecorded
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.outbox import add_event
from tousu_shared.identity.audit import record_audit
from tousu_shared.identity.principal import Principal


class Conflict(ClientException):
    status_code = HTTP_409_CONFLICT


async def open_task(session: AsyncSession, complaint_id: str) -> CallbackTask | None:
    """The complaint's callback task still to do, if any (the latest round's)."""
    query = (
        select(CallbackTask)
        .where(col(CallbackTask.complaint_id) == complaint_id, col(CallbackTask.status) == "open")
        .order_by(col(CallbackTask.round).desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def locked_case(session: AsyncSession, complaint_id: str) -> CallbackCase:
    case = await session.get(CallbackCase, complaint_id, with_for_update=True)
    if case is None:
        raise NotFoundException(f"no complaint {complaint_id!r} with a work order")
    return case


def check_task(case: CallbackCase, task: CallbackTask | None) -> None:
    """409 when the case is closed or withdrawn, or the task is over."""
    try:
        check_can_call_back(case.complaint_id, case.status)
        if task is not None:
            check_open(task.status)
    except (CallbackRefused, TaskRefused) as exc:
        raise Conflict(str(exc)) from None


async def record_answer(
    session: AsyncSession,
    topics: Topics,
    case: CallbackCase,
    task: CallbackTask | None,
    answer: Answer,
    *,
    who: Principal,
    by: str,
    channel: str,
    confirmed: bool | None,
    now: datetime,
) -> Envelope:
    """Stage the callback's event, close its task, and audit it; the event."""
    level: Satisfaction = answer.level
    payload = CallbackRecorded(
        verb="callback",
        work_order_id=case.work_order_id,
        by=by,
        satisfied=satisfied(level),
        satisfaction=level,
        score=answer.score,
        comment=answer.comment,
        confirmed=confirmed,
        channel=channel,
    )
    event = case.event(payload, now)
    add_event(session, topics.callbacks, event, now)
    if task is not None:
        facts = await case_facts(session, case.complaint_id)
        rules = facts.rules if facts is not None else None
        reopens = rules is not None and rules.callback.on_dissatisfied == "reopen"
        task.status, task.outcome, task.score, task.comment = "done", level, answer.score, answer.comment
        task.confirmed, task.channel_used, task.done_by, task.done_at = confirmed, channel, by, now
        task.attempts += 1
        task.next_attempt_at = None
        task.reopened = level == "dissatisfied" and reopens
    audit(
        session,
        topics,
        who,
        case,
        now,
        {"satisfaction": level, "score": answer.score, "channel": channel},
        caused=event,
        acting_for=by,
    )
    return event


def audit(
    session: AsyncSession,
    topics: Topics,
    who: Principal,
    case: CallbackCase,
    now: datetime,
    detail: dict[str, Any],
    *,
    caused: Envelope | None,
    acting_for: str | None = None,
) -> None:
    """The audit record of an act on ``case``'s callback (all of them use callback.record)."""
    record_audit(
        session,
        topics,
        "callback",
        who,
        "callback.record",
        tenant_id=case.tenant_id,
        estate_id=case.estate_id,
        complaint_id=case.complaint_id,
        now=now,
        acting_for=acting_for,
        detail=detail,
        caused=caused,
    )
