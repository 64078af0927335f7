"""Intake's HTTP API: register estates, accept complaints."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Request, Response, get, post, put
from litestar.exceptions import ClientException
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from tousu_intake.models import Complaint, Estate
from tousu_intake.schemas import ComplaintAccepted, ComplaintIn, EstateIn
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintReceived, MaskedContact
from tousu_shared.delivery.outbox import add_event
from tousu_shared.ids import new_id
from tousu_shared.pii import mask_name, mask_phone
from tousu_shared.regimes import REGIME_IDS
from tousu_shared.runtime.service import runtime_of


class Unprocessable(ClientException):
    status_code = 422


@put("/v1/estates/{estate_id:str}", tags=["estates"], status_code=HTTP_200_OK)
async def put_estate(request: Request[Any, Any, Any], estate_id: str, data: EstateIn) -> dict[str, str]:
    """Create or update an estate and bind it to a regime."""
    if data.regime not in REGIME_IDS:
        raise Unprocessable(f"unknown regime {data.regime!r}; known: {', '.join(REGIME_IDS)}")
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Unprocessable(f"unknown time zone {data.timezone!r}") from None
    rt = runtime_of(request)
    async with rt.sessions() as session, session.begin():
        existing = await session.get(Estate, estate_id)
        if existing and existing.tenant_id != data.tenant_id:
            raise Unprocessable(f"estate {estate_id!r} belongs to another tenant")
        await session.merge(Estate(estate_id=estate_id, **data.model_dump()))
    return {"estate_id": estate_id, **data.model_dump()}


@get("/v1/estates", tags=["estates"])
async def list_estates(request: Request[Any, Any, Any], tenant_id: str) -> list[dict[str, Any]]:
    rt = runtime_of(request)
    async with rt.sessions() as session:
        rows = await session.scalars(
            select(Estate).where(Estate.tenant_id == tenant_id).order_by(Estate.estate_id)
        )
        return [row.model_dump() for row in rows]


@post("/v1/complaints", tags=["complaints"])
async def post_complaint(request: Request[Any, Any, Any], data: ComplaintIn) -> Response[ComplaintAccepted]:
    """Register a complaint. 202: it is stored and on its way to triage.

    With ``source_message_id``, a retried delivery returns the first complaint (200).
    """
    rt = runtime_of(request)
    if len(data.text) > rt.settings.max_text_chars:
        raise Unprocessable(
            f"text is {len(data.text)} characters; at most {rt.settings.max_text_chars} are accepted"
        )
    if data.source_message_id and (known := await _find_by_source(request, data)):
        return _accepted(known, duplicate=True)
    now = rt.clock.now()
    try:
        async with rt.sessions() as session, session.begin():
            estate = await session.get(Estate, data.estate_id)
            if estate is None or estate.tenant_id != data.tenant_id:
                # Same answer whether the estate is unknown or another tenant's: no probing.
                raise Unprocessable(f"unknown estate {data.estate_id!r} for tenant {data.tenant_id!r}")
            complaint = Complaint(
                complaint_id=new_id(),
                tenant_id=data.tenant_id,
                estate_id=data.estate_id,
                regime=estate.regime,
                channel=data.channel.value,
                text=data.text,
                room=data.room,
                contact_name=data.contact.name,
                contact_phone=data.contact.phone,
                source_message_id=data.source_message_id,
                received_at=now,
            )
            session.add(complaint)
            add_event(session, rt.topics.received(estate.regime), _received_event(complaint), now)
    except IntegrityError:
        # A concurrent retry of the same channel message won the race: answer with its complaint.
        if data.source_message_id and (known := await _find_by_source(request, data)):
            return _accepted(known, duplicate=True)
        raise
    if rt.relay:
        rt.relay.wake()
    return _accepted(complaint, duplicate=False)


def _received_event(c: Complaint) -> Envelope:
    payload = ComplaintReceived(
        regime=c.regime,
        channel=c.channel,
        text=c.text,
        room=c.room,
        contact=MaskedContact(
            name=mask_name(c.contact_name) if c.contact_name else None, phone=mask_phone(c.contact_phone)
        ),
        received_at=c.received_at,
        source_message_id=c.source_message_id,
    )
    return Envelope.new(
        payload=payload,
        occurred_at=c.received_at,
        tenant_id=c.tenant_id,
        estate_id=c.estate_id,
        complaint_id=c.complaint_id,
    )


async def _find_by_source(request: Request[Any, Any, Any], data: ComplaintIn) -> Complaint | None:
    rt = runtime_of(request)
    async with rt.sessions() as session:
        return await session.scalar(
            select(Complaint).where(
                col(Complaint.tenant_id) == data.tenant_id,
                col(Complaint.channel) == data.channel.value,
                col(Complaint.source_message_id) == data.source_message_id,
            )
        )


def _accepted(c: Complaint, *, duplicate: bool) -> Response[ComplaintAccepted]:
    body = ComplaintAccepted(
        complaint_id=c.complaint_id, status="received", regime=c.regime, duplicate=duplicate
    )
    return Response(body, status_code=HTTP_200_OK if duplicate else HTTP_202_ACCEPTED)
