"""The lifecycle consumer: a triaged complaint opens a case, each action moves its clocks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from tousu_shared.contracts.case_events import ACTION_EVENTS, CaseAction
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintTriaged
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.errors import PermanentError
from tousu_shared.delivery.rows import find
from tousu_shared.logging import get_logger
from tousu_shared.sla.durations import WorkingCalendar
from tousu_sla_monitor.domain.timeline import ActionRefused, Timeline, classification_of, stored_details
from tousu_sla_monitor.models import SlaCase
from tousu_sla_monitor.store import plan_touch, write_touched

log = get_logger(__name__)

_ACTION_TYPES = {model.__name__ for model in ACTION_EVENTS.values()}


def lifecycle_handler(calendar: WorkingCalendar) -> Any:
    async def on_lifecycle_event(ctx: HandlerContext, event: Envelope) -> None:
        if event.type == "ComplaintTriaged":
            await _on_triaged(ctx, event, calendar)
        elif event.type in _ACTION_TYPES:
            await _on_action(ctx, event, calendar)
        # anything else on these topics (WorkOrderCreated, …) does not move a clock

    return on_lifecycle_event


async def _case(ctx: HandlerContext, event: Envelope) -> SlaCase | None:
    case = await find(ctx.session, SlaCase, event.complaint_id, for_update=True)
    if case is not None and case.tenant_id != event.tenant_id:
        raise PermanentError(f"event of tenant {event.tenant_id!r} for a case of another tenant")
    return case


def _new_case(event: Envelope, now: datetime) -> SlaCase:
    return SlaCase(
        complaint_id=event.complaint_id,
        tenant_id=event.tenant_id,
        estate_id=event.estate_id,
        correlation_id=event.correlation_id,
        updated_at=now,
    )


async def _on_triaged(ctx: HandlerContext, event: Envelope, calendar: WorkingCalendar) -> None:
    triaged: ComplaintTriaged = event.typed_payload()
    case = await _case(ctx, event)
    now = ctx.clock.now()
    if case is not None and case.classification is not None:
        if triaged.revision > 1:  # read again after a clarification: the clocks follow
            reading = classification_of(triaged)

            def read_again(timeline: Timeline) -> str:
                timeline.reclassify(reading, triaged.revision, event.occurred_at)
                return "reclassified"

            await _touch(ctx, case, calendar, now, read_again, event)
        return  # else the first reading redelivered: its clocks already run
    if case is None:
        case = _new_case(event, now)
        ctx.session.add(case)
    pending = orjson.loads(case.inputs)  # actions that arrived before the classification
    case.regime, case.regime_version = triaged.regime, triaged.regime_version
    case.received_at = triaged.received_at or event.occurred_at
    case.classification = orjson.dumps(classification_of(triaged)).decode()
    case.parameters = orjson.dumps(triaged.parameters).decode()  # the estate's, as received
    case.inputs = "[]"

    def open_case(timeline: Timeline) -> str:
        for item in sorted(pending, key=lambda i: datetime.fromisoformat(i["at"])):
            _apply(timeline, event.complaint_id, item["do"], datetime.fromisoformat(item["at"]), item["with"])
        return "received"

    await _touch(ctx, case, calendar, now, open_case, event)


async def _on_action(ctx: HandlerContext, event: Envelope, calendar: WorkingCalendar) -> None:
    action: CaseAction = event.typed_payload()
    details = action.model_dump(exclude={"verb"}, exclude_none=True)
    case = await _case(ctx, event)
    now = ctx.clock.now()
    if case is None or case.classification is None:
        if case is None:
            case = _new_case(event, now)
            ctx.session.add(case)
        waiting = orjson.loads(case.inputs)
        waiting.append(
            {"do": action.verb, "at": event.occurred_at.isoformat(), "with": stored_details(details)}
        )
        case.inputs = orjson.dumps(waiting).decode()
        return

    def apply(timeline: Timeline) -> str:
        _apply(timeline, event.complaint_id, action.verb, event.occurred_at, details)
        return action.verb

    await _touch(ctx, case, calendar, now, apply, event)


async def _touch(
    ctx: HandlerContext,
    case: SlaCase,
    calendar: WorkingCalendar,
    now: datetime,
    change: Callable[[Timeline], str],
    event: Envelope,
) -> None:
    touched = plan_touch(case, calendar, ctx.topics, now, change, caused_by=event)
    if touched is None:
        return
    for name, value in touched.case.items():
        setattr(case, name, value)
    await write_touched(ctx.session, [touched], case_rows=False)


def _apply(timeline: Timeline, complaint_id: str, verb: str, at: datetime, details: dict[str, Any]) -> None:
    try:
        applied = timeline.act(verb, at, details)
    except ActionRefused as exc:
        log.warning("action not applied to the clocks", complaint_id=complaint_id, verb=verb, reason=str(exc))
        return
    if applied > at:
        log.warning(
            "action arrived after its clocks had fired; applied late",
            complaint_id=complaint_id,
            verb=verb,
            late_by_s=round((applied - at).total_seconds(), 3),
        )
