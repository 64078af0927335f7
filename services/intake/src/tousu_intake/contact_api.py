"""Revealing a complainant's contact: only to the roles that call residents back (policy
``contact.reveal``) in the complaint's estate, never to the operator, and never without an
audit record written in the same transaction (no record, no reveal)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.status_codes import HTTP_200_OK, HTTP_410_GONE
from pydantic import ConfigDict, Field

from tousu_intake.host import host_of
from tousu_intake.models import Complaint, Contact
from tousu_intake.retention import PURGED
from tousu_shared.clean import CleanModel
from tousu_shared.identity.audit import record_audit
from tousu_shared.runtime.service import identity_of, runtime_of

PERMISSION = "contact.reveal"


class RevealIn(CleanModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    purpose: str = Field(
        min_length=2, max_length=200, description="Why the contact is needed (callback, visit, …): audited"
    )


@post("/v1/complaints/{complaint_id:str}/contact", tags=["complaints"], status_code=HTTP_200_OK)
async def reveal_contact(
    request: Request[Any, Any, Any], complaint_id: str, data: RevealIn
) -> Response[dict[str, Any]]:
    """The complainant's name, phone and e-mail in clear, for calling them back; audited."""
    identity = identity_of(request)
    who = await identity.caller(request)
    rt = runtime_of(request)
    vault = host_of(rt).vault
    async with rt.sessions() as session, session.begin():
        complaint = await session.get(Complaint, complaint_id)
        if complaint is None:
            raise NotFoundException(f"no complaint {complaint_id!r}")
        identity.require(request, who, PERMISSION, complaint.tenant_id, complaint.estate_id)
        if complaint.status == PURGED:
            raise HTTPException(
                status_code=HTTP_410_GONE,
                detail="the complainant's contact was removed when the case's retention ran out",
            )
        contact = await session.get(Contact, complaint.contact_ref)
        revealed = {
            "name": vault.open(contact.name_sealed) if contact else None,
            "phone": vault.open(contact.phone_sealed) if contact else None,
            "email": vault.open(contact.email_sealed) if contact else None,
        }
        record_audit(
            session,
            rt.topics,
            "intake",
            who,
            PERMISSION,
            tenant_id=complaint.tenant_id,
            estate_id=complaint.estate_id,
            complaint_id=complaint_id,
            now=rt.clock.now(),
            detail={"fields": sorted(k for k, v in revealed.items() if v), "purpose": data.purpose},
        )
    if rt.relay:
        rt.relay.wake()
    body = {"complaint_id": complaint_id, **revealed}
    return Response(body, headers={"Cache-Control": "no-store"})
