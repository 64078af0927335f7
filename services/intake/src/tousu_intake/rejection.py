"""不予受理 by staff: a complaint rejected with one of its regime's reasons, recorded and told.

Staff of the complaint's estate holding ``complaint.reject`` decide it, as themselves; the
operator names the clerk it acts for in ``staff_id``. The event records who decided.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT
from pydantic import ConfigDict, Field

from tousu_intake.clarify import can_reply
from tousu_intake.models import ChannelAccount, Complaint
from tousu_intake.records import new_event, rejected_event
from tousu_intake.routes import Unprocessable
from tousu_shared.clean import CleanModel
from tousu_shared.contracts.events import ReplyRequested
from tousu_shared.delivery.outbox import add_event
from tousu_shared.identity.audit import record_audit
from tousu_shared.identity.web import acting_as
from tousu_shared.regimes import load_regime
from tousu_shared.runtime.service import identity_of, runtime_of


class RejectionIn(CleanModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=64, description="A rejection reason id of the regime")
    staff_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="Who decided (operator only)"
    )
    note: str | None = Field(default=None, max_length=500, description="Why, for the case file")


class Conflict(ClientException):
    status_code = HTTP_409_CONFLICT


@post("/v1/complaints/{complaint_id:str}/rejection", tags=["complaints"], status_code=HTTP_200_OK)
async def reject_complaint(
    request: Request[Any, Any, Any], complaint_id: str, data: RejectionIn
) -> dict[str, Any]:
    """Reject (不予受理) a registered complaint; the complainant is told the regime's message."""
    who = await identity_of(request).caller(request)
    rt = runtime_of(request)
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        complaint = await session.get(Complaint, complaint_id)
        if complaint is None:
            raise NotFoundException(f"no complaint {complaint_id!r}")
        identity_of(request).require(
            request, who, "complaint.reject", complaint.tenant_id, complaint.estate_id
        )
        decided_by = acting_as(who, data.staff_id)
        reasons = {r.id: r for r in load_regime(complaint.regime).rejection_reasons}
        if data.reason not in reasons:
            known = ", ".join(reasons) or "none: this regime does not reject complaints"
            raise Unprocessable(f"{complaint.regime} has no rejection reason {data.reason!r}; known: {known}")
        if complaint.status != "received":
            raise Conflict(f"complaint {complaint_id} is {complaint.status}, not open")
        reason = reasons[data.reason]
        complaint.status, complaint.reject_reason = "rejected", reason.id
        session.add(complaint)
        event = rejected_event(complaint, reason, decided_by=decided_by, note=data.note, at=now)
        add_event(session, rt.topics.received(complaint.regime), event, now)
        record_audit(
            session,
            rt.topics,
            "intake",
            who,
            "complaint.reject",
            tenant_id=complaint.tenant_id,
            estate_id=complaint.estate_id,
            complaint_id=complaint_id,
            now=now,
            acting_for=decided_by,
            detail={"reason": reason.id},
            caused=event,
        )
        account = await session.get(ChannelAccount, complaint.account_id) if complaint.account_id else None
        told = account is not None and can_reply(account.channel)
        if told and account is not None:
            reply = ReplyRequested(
                account_id=account.account_id,
                kind="rejected",
                text=reason.message,
                contact_ref=complaint.contact_ref,
                in_reply_to=complaint.source_message_id,
            )
            add_event(session, rt.topics.outbound(account.channel), new_event(complaint, reply, now), now)
    if rt.relay:
        rt.relay.wake()
    return {
        "complaint_id": complaint_id,
        "status": "rejected",
        "reason": reason.id,
        "message": reason.message,
        "complainant_told_by_channel": told,
    }
