"""Rows and events of a registration: what is stored, and what the rest of Tousu is told.

Events carry masked forms only (``王**``, ``138****5678``, phone numbers masked in the
text) and the contact's vault reference; the clear values stay sealed in intake.
"""

from __future__ import annotations

from datetime import datetime

import orjson
from pydantic import BaseModel

from tousu_channels import ComplaintDraft
from tousu_intake.models import ChannelAccount, Complaint, Contact, Estate, EvidenceFile
from tousu_intake.vault import Vault
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import (
    ComplaintClarified,
    ComplaintReceived,
    ComplaintRejected,
    ComplaintRepeated,
    EvidenceRef,
    MaskedContact,
)
from tousu_shared.ids import new_id
from tousu_shared.pii import mask_name, mask_phone, mask_phones_in_text
from tousu_shared.regimes.model import RejectionReason


def complaint_row(
    account: ChannelAccount,
    estate: Estate,
    draft: ComplaintDraft,
    contact: Contact,
    vault: Vault,
    now: datetime,
) -> Complaint:
    masked_text = mask_phones_in_text(draft.text)
    return Complaint(
        complaint_id=new_id(),
        tenant_id=account.tenant_id,
        estate_id=estate.estate_id,
        regime=estate.regime,
        parameters=estate.parameters,
        channel=draft.channel.value,
        account_id=account.account_id,
        # phone numbers in the text are masked here too; the text as said is sealed
        text=masked_text,
        text_sealed=vault.seal(draft.text) if masked_text != draft.text else None,
        room=draft.room,
        location=draft.location,
        persons_involved=draft.persons_involved,
        occurred_at=draft.occurred_at,
        contact_ref=contact.contact_ref,
        contact_name_masked=mask_name(draft.contact.name) if draft.contact.name else None,
        contact_phone_masked=mask_phone(draft.contact.phone) if draft.contact.phone else None,
        source_message_id=draft.source_message_id,
        registered_by=draft.registered_by,
        confirmed=draft.confirmed,
        received_at=now,
    )


def evidence_rows(complaint_id: str, draft: ComplaintDraft) -> list[EvidenceFile]:
    return [
        EvidenceFile(
            evidence_id=new_id(),
            complaint_id=complaint_id,
            filename=e.filename,
            content_type=e.content_type,
            size=e.size,
            sha256=e.sha256,
            data=e.data,
        )
        for e in draft.evidence
    ]


def new_event(c: Complaint, payload: BaseModel, at: datetime) -> Envelope:
    """A new event on ``c``'s stream."""
    return Envelope.new(
        payload=payload,
        occurred_at=at,
        tenant_id=c.tenant_id,
        estate_id=c.estate_id,
        complaint_id=c.complaint_id,
    )


def received_event(c: Complaint, evidence: list[EvidenceFile]) -> Envelope:
    payload = ComplaintReceived(
        regime=c.regime,
        parameters=orjson.loads(c.parameters),
        channel=c.channel,
        text=c.text,
        room=c.room,
        contact=MaskedContact(name=c.contact_name_masked, phone=c.contact_phone_masked),
        received_at=c.received_at,
        source_message_id=c.source_message_id,
        location=c.location,
        persons_involved=c.persons_involved,
        occurred_at=c.occurred_at,
        evidence=[
            EvidenceRef(
                evidence_id=e.evidence_id,
                filename=e.filename,
                content_type=e.content_type,
                size=e.size,
                sha256=e.sha256,
            )
            for e in evidence
        ],
        contact_ref=c.contact_ref,
        account_id=c.account_id,
        registered_by=c.registered_by,
        confirmed=c.confirmed,
    )
    return new_event(c, payload, c.received_at)


def rejected_event(
    c: Complaint, reason: RejectionReason, *, decided_by: str, note: str | None, at: datetime
) -> Envelope:
    payload = ComplaintRejected(
        regime=c.regime,
        reason=reason.id,
        reason_name=reason.name,
        message=reason.message,
        decided_by=decided_by,
        note=note,
        channel=c.channel,
        room=c.room,
        received_at=c.received_at,
    )
    return new_event(c, payload, at)


def repeated_event(earlier: Complaint, new: Complaint, similarity: float, at: datetime) -> Envelope:
    payload = ComplaintRepeated(
        regime=earlier.regime,
        repeat_id=new.complaint_id,
        channel=new.channel,
        text=new.text,
        received_at=new.received_at,
        similarity=round(similarity, 3),
    )
    return new_event(earlier, payload, at)


def answered_event(case: Complaint, answer: Complaint, questions: list[str], at: datetime) -> Envelope:
    payload = ComplaintClarified(
        regime=case.regime,
        parameters=orjson.loads(case.parameters),
        questions=questions,
        answer=answer.text,
        text=case.text,
        channel=answer.channel,
        received_at=answer.received_at,
    )
    return new_event(case, payload, at)
