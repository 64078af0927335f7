"""The audit trail's writing side: every act of a person or the operator on a case, and
every reveal of personal data, becomes an ``AuditRecorded`` event in the outbox of the same
transaction as the act (so an act is never without its record, nor a record without its
act). Archive keeps them, append-only, for quality managers (``GET /v1/audit``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import AuditRecorded
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.outbox import add_event
from tousu_shared.identity.principal import Principal

#: the services whose HTTP API acts on cases, so the topics archive reads the trail from
AUDITED_SERVICES = ("intake", "dispatch", "callback", "archive")


def record_audit(
    session: AsyncSession,
    topics: Topics,
    service: str,
    who: Principal,
    action: str,
    *,
    tenant_id: str,
    estate_id: str,
    complaint_id: str,
    now: datetime,
    acting_for: str | None = None,
    detail: dict[str, Any] | None = None,
    caused: Envelope | None = None,
) -> Envelope:
    payload = AuditRecorded(
        service=service,
        action=action,
        actor=who.subject,
        actor_kind=who.kind,
        actor_issuer=who.issuer,
        acting_for=acting_for if who.is_operator else None,
        detail=detail or {},
        caused_event_id=caused.event_id if caused else None,
    )
    event = Envelope.new(
        payload=payload,
        occurred_at=now,
        tenant_id=tenant_id,
        estate_id=estate_id,
        complaint_id=complaint_id,
        caused_by=caused,
    )
    add_event(session, topics.audit(service), event, now)
    return event
