"""Staff record a callback: the resident was asked, and said whether they are satisfied."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_409_CONFLICT

from tousu_callback.domain.cases import CallbackRefused, check_can_call_back
from tousu_callback.models import CallbackCase
from tousu_callback.schemas import CallbackIn
from tousu_shared.contracts.case_events import CallbackRecorded
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.outbox import add_event
from tousu_shared.identity.audit import record_audit
from tousu_shared.identity.web import acting_as
from tousu_shared.runtime.service import identity_of, runtime_of


class Conflict(ClientException):
    status_code = HTTP_409_CONFLICT


@post("/v1/complaints/{complaint_id:str}/callback", tags=["callbacks"], status_code=HTTP_202_ACCEPTED)
async def record_callback(
    request: Request[Any, Any, Any], complaint_id: str, data: CallbackIn
) -> dict[str, Any]:
    """Record a callback; the SLA monitor decides what it does to the case (close, reopen, review)."""
    rt = runtime_of(request)
    who = await identity_of(request).caller(request)
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        case = await session.get(CallbackCase, complaint_id, with_for_update=True)
        if case is None:
            raise NotFoundException(f"no complaint {complaint_id!r} with a work order")
        identity_of(request).require(request, who, "callback.record", case.tenant_id, case.estate_id)
        by = acting_as(who, data.by)
        try:
            check_can_call_back(complaint_id, case.status)
        except CallbackRefused as exc:
            raise Conflict(str(exc)) from None
        payload = CallbackRecorded(
            verb="callback",
            work_order_id=case.work_order_id,
            by=by,
            satisfied=data.satisfied,
            score=data.score,
            comment=data.comment,
            channel=data.channel,  # not (yet) a field of CaseAction: carried as an extra field
        )
        event = Envelope.new(
            payload=payload,
            occurred_at=now,
            tenant_id=case.tenant_id,
            estate_id=case.estate_id,
            complaint_id=case.complaint_id,
        )
        add_event(session, rt.topics.callbacks, event, now)
        record_audit(
            session,
            rt.topics,
            "callback",
            who,
            "callback.record",
            tenant_id=case.tenant_id,
            estate_id=case.estate_id,
            complaint_id=case.complaint_id,
            now=now,
            acting_for=by,
            detail={"satisfied": data.satisfied, "score": data.score},
            caused=event,
        )
    if rt.relay:
        rt.relay.wake()
    return {
        "event_id": event.event_id,
        "complaint_id": complaint_id,
        "work_order_id": case.work_order_id,
        "satisfied": data.satisfied,
        "occurred_at": now.isoformat(),
    }
