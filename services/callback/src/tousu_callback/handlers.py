"""Callback's consumers: what it knows of each case (its file), the state each is in, the
callback tasks the regime's callback clock opens, and the people an escalation must reach
(staged in the notification outbox when a notifier is configured)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_callback.domain.cases import state_after
from tousu_callback.domain.labels import SHANGHAI
from tousu_callback.domain.script import Step
from tousu_callback.domain.tasks import plan_task
from tousu_callback.facts import CaseFacts, case_facts
from tousu_callback.models import CallbackCase, CallbackTask, CaseFile, IntakeFacts
from tousu_callback.notify import CALLBACK, ESCALATION, stage
from tousu_callback.settings import callback_settings
from tousu_callback.survey import SurveyIssuer
from tousu_notifiers import Notification, Recipient
from tousu_shared.contracts.case_events import ACTION_EVENTS, CaseAction, CaseStateChanged, ClockEvent
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import (
    CallbackTaskOpened,
    ComplaintReceived,
    EscalationNotified,
    WorkOrderCreated,
)
from tousu_shared.delivery.consumer import Handler, HandlerContext
from tousu_shared.delivery.rows import find, row_for
from tousu_shared.logging import get_logger
from tousu_shared.regimes import Regime

log = get_logger(__name__)

_ACTION_TYPES = frozenset(model.__name__ for model in ACTION_EVENTS.values())
#: the verbs whose author counts as the receiver (首问责任人) when intake named no clerk
_RECEIVING_VERBS = ("register", "dispatch")
_OPENING = ("ClockStarted", "ClockRestarted")


async def case_file(session: AsyncSession, event: Envelope) -> CaseFile:
    """The case's file as dispatch's events fill it (only their consumer writes it)."""
    return await row_for(
        session,
        CaseFile,
        event.complaint_id,
        lambda: CaseFile(
            complaint_id=event.complaint_id, tenant_id=event.tenant_id, estate_id=event.estate_id
        ),
    )


async def on_received(ctx: HandlerContext, event: Envelope) -> None:
    """Intake's record: how the complaint came, who took it in, what it says."""
    if event.type != "ComplaintReceived":
        return
    if await find(ctx.session, IntakeFacts, event.complaint_id) is not None:
        return  # intake registered it once; a repeat of the complaint is not a new case
    got: ComplaintReceived = event.typed_payload()
    ctx.session.add(
        IntakeFacts(
            complaint_id=event.complaint_id,
            tenant_id=event.tenant_id,
            estate_id=event.estate_id,
            regime=got.regime,
            parameters=orjson.dumps(got.parameters).decode(),
            channel=got.channel.value,
            account_id=got.account_id,
            contact_ref=got.contact_ref,
            registered_by=got.registered_by,
            received_at=got.received_at,
            summary=got.text,
            complainant=got.contact.name,
            room=got.room,
        )
    )


async def on_workorder_event(ctx: HandlerContext, event: Envelope) -> None:
    """A work order was created (a case to call back about), or staff moved its case."""
    if event.type == "WorkOrderCreated":
        await _created(ctx, event, event.typed_payload())
    elif event.type in _ACTION_TYPES:
        action: CaseAction = event.typed_payload()
        await _set_status(ctx, event.complaint_id, lambda current: state_after(action.verb, current))
        await _note_action(ctx, event, action)
    elif event.type == "EscalationNotified" and callback_settings().notify_escalation:
        await _stage_escalation(ctx, event, event.typed_payload())


async def _created(ctx: HandlerContext, event: Envelope, created: WorkOrderCreated) -> None:
    if await find(ctx.session, CallbackCase, event.complaint_id) is None:
        ctx.session.add(
            CallbackCase(
                complaint_id=event.complaint_id,
                tenant_id=event.tenant_id,
                estate_id=event.estate_id,
                work_order_id=created.work_order_id,
                status="open",
                updated_at=ctx.clock.now(),
            )
        )
    file = await case_file(ctx.session, event)
    file.department, file.category = created.department, created.category
    file.topic, file.level = created.topic, created.level
    if created.regime:  # the version the case runs under: more precise than intake's id
        file.regime, file.parameters = created.regime, orjson.dumps(created.parameters).decode()


async def _note_action(ctx: HandlerContext, event: Envelope, action: CaseAction) -> None:
    """What the script and the feedback form say was done, promised and resolved."""
    file = await case_file(ctx.session, event)
    at = event.occurred_at
    note = action.note or action.reason or action.comment
    steps = orjson.loads(file.steps)
    steps.append(Step(at, action.verb, action.by, note).to_json())
    file.steps = orjson.dumps(steps).decode()
    if action.verb in _RECEIVING_VERBS and file.receiver is None:
        file.receiver = action.by
    if action.verb == "resolve":
        file.resolution, file.resolved_at = note, at
    elif action.verb == "promise" and action.due_at is not None:
        file.promised = f"{action.due_at.isoformat()} 前：{action.reason or ''}".strip("：")
    elif action.verb == "reopen":
        case = await find(ctx.session, CallbackCase, event.complaint_id)
        if case is not None:
            case.reopened += 1


async def _stage_escalation(ctx: HandlerContext, event: Envelope, told: EscalationNotified) -> None:
    """One notification per person dispatch named, keyed by the event and the person so a
    re-read event stages nothing new."""
    for person in told.people:
        key = hashlib.sha256(f"{event.event_id}:{person}".encode()).hexdigest()[:32]
        notification = Notification(
            notification_id=key,
            tenant_id=event.tenant_id,
            complaint_id=event.complaint_id,
            kind="escalation",
            recipient=Recipient(staff_id=person),
            subject=f"投诉升级：{event.complaint_id}",
            text=f"请 {told.to_role} 跟进投诉 {event.complaint_id}：{told.reason}",
            data={"estate_id": event.estate_id, "trigger": told.trigger, "clock": told.clock},
        )
        await stage(ctx.session, notification, ESCALATION, ctx.clock.now())


def sla_handler(surveys: SurveyIssuer | None) -> Handler:
    """The rules moved the case (a callback closed or reopened it), or its callback clock
    started (a task to open: with ``surveys``, a survey link goes to an online resident) or
    was cancelled (the case was reopened by staff before anyone called)."""

    async def on_sla_event(ctx: HandlerContext, event: Envelope) -> None:
        if event.type == "CaseStateChanged":
            changed: CaseStateChanged = event.typed_payload()
            await _set_status(ctx, event.complaint_id, lambda _current: changed.state)
            if changed.state == "reopened":
                case = await find(ctx.session, CallbackCase, event.complaint_id)
                if case is not None:
                    case.reopened += 1
        elif event.type in _OPENING or event.type == "ClockCancelled":
            clock: ClockEvent = event.typed_payload()
            facts = await case_facts(ctx.session, event.complaint_id)
            rules = facts.rules if facts is not None else None
            if facts is None or rules is None or clock.clock != rules.callback.clock:
                return
            if event.type == "ClockCancelled":
                await _cancel_open_tasks(ctx, event.complaint_id)
            else:
                await _open_task(ctx, event, clock, facts, rules, surveys)

    return on_sla_event


async def _open_task(
    ctx: HandlerContext,
    event: Envelope,
    clock: ClockEvent,
    facts: CaseFacts,
    rules: Regime,
    surveys: SurveyIssuer | None,
) -> None:
    case = await find(ctx.session, CallbackCase, event.complaint_id)
    if case is None:
        log.warning("callback clock of a complaint with no work order seen", complaint_id=event.complaint_id)
        return
    plan = plan_task(
        rules,
        facts.parameters,
        clock_owner=clock.owner,
        receiver=facts.receiver,
        survey_goes_back=surveys is not None and surveys.goes_back(facts),
    )
    earlier = await ctx.session.scalars(
        select(CallbackTask.task_id).where(col(CallbackTask.complaint_id) == event.complaint_id)
    )
    task = CallbackTask(
        task_id="cbt-" + hashlib.sha256(event.event_id.encode()).hexdigest()[:24],
        complaint_id=case.complaint_id,
        tenant_id=case.tenant_id,
        estate_id=case.estate_id,
        work_order_id=case.work_order_id,
        department=facts.department,
        round=len(earlier.all()) + 1,
        assignee_role=plan.assignee_role,
        assignee=plan.assignee,
        channels=",".join(plan.channels),
        not_before=clock.not_before,
        due_at=clock.due_at,
        attempts_allowed=plan.attempts_allowed,
        retry_seconds=int(plan.retry.total_seconds()),
        opened_at=ctx.clock.now(),
    )
    ctx.session.add(task)
    opened = CallbackTaskOpened(
        task_id=task.task_id,
        work_order_id=task.work_order_id,
        round=task.round,
        assignee_role=task.assignee_role,
        assignee=task.assignee,
        channels=list(plan.channels),
        not_before=task.not_before,
        due_at=task.due_at,
        attempts_allowed=task.attempts_allowed,
    )
    ctx.emit(ctx.topics.callbacks, event.follow_up(opened, ctx.clock.now()))
    if task.assignee and callback_settings().notify_callback:
        await _stage_task_notice(ctx, task)
    window_open = task.not_before is None or task.not_before <= ctx.clock.now()
    if surveys is not None and "online_survey" in plan.channels and window_open:
        surveys.send(ctx.emit, ctx.topics, ctx.clock.now(), task, facts, caused_by=event)


async def _stage_task_notice(ctx: HandlerContext, task: CallbackTask) -> None:
    """Tell the named caller their callback is due (the receiver, under 002 and 003)."""
    due = task.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    window = f"{task.not_before.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 后、" if task.not_before else ""
    notification = Notification(
        notification_id=task.task_id,
        tenant_id=task.tenant_id,
        complaint_id=task.complaint_id,
        kind="callback_due",
        recipient=Recipient(staff_id=task.assignee),
        subject=f"回访任务：{task.complaint_id}",
        text=f"投诉 {task.complaint_id} 已处理完毕，请于 {window}{due} 前回访住户并登记结果。",
        data={"estate_id": task.estate_id, "task_id": task.task_id, "due_at": task.due_at.isoformat()},
    )
    await stage(ctx.session, notification, CALLBACK, ctx.clock.now())


async def _cancel_open_tasks(ctx: HandlerContext, complaint_id: str) -> None:
    for task in await ctx.session.scalars(
        select(CallbackTask).where(
            col(CallbackTask.complaint_id) == complaint_id, col(CallbackTask.status) == "open"
        )
    ):
        task.status, task.next_attempt_at = "cancelled", None


async def _set_status(ctx: HandlerContext, complaint_id: str, new_status: Callable[[str], str]) -> None:
    case = await find(ctx.session, CallbackCase, complaint_id)
    if case is None:
        return  # no work order seen for it: nothing to call back about
    status = new_status(case.status)
    if status != case.status:
        case.status = status
        case.updated_at = ctx.clock.now()
        ctx.session.add(case)
