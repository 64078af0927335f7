"""Registering a channel's draft as a complaint: binding, idempotency, vault, event.

Everything happens in the caller's transaction, so a complaint, its sealed contact, its
evidence and its ``ComplaintReceived`` event are stored together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_channels import ComplaintDraft, Outcome
from tousu_intake.models import ChannelAccount, Complaint, Contact, Estate, EvidenceFile
from tousu_intake.vault import Vault
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintReceived, EvidenceRef, MaskedContact
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.outbox import add_event
from tousu_shared.ids import new_id
from tousu_shared.pii import mask_name, mask_phone, mask_phones_in_text


class Refused(Exception):
    """The whole message is refused with an HTTP status; nothing of it is stored."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    max_text_chars: int
    evidence_max_bytes: int


@dataclass(frozen=True)
class Registrar:
    vault: Vault
    topics: Topics
    limits: Limits

    async def register(
        self, session: AsyncSession, account: ChannelAccount, draft: ComplaintDraft, now: datetime
    ) -> Outcome:
        if draft.tenant_hint and draft.tenant_hint != account.tenant_id:
            raise Refused(403, f"this account belongs to another tenant than {draft.tenant_hint!r}")
        self._check_limits(draft)
        if known := await find_by_source(session, account.tenant_id, draft):
            return _outcome(known, draft, "duplicate", f"这条投诉已登记，编号 {known.complaint_id}。")
        estate = await self._estate(session, account, draft)
        if not draft.contact.reachable():
            raise Refused(422, "no way to reach the complainant: give a phone, an e-mail or a reply address")
        masked_text = mask_phones_in_text(draft.text)
        contact = self._seal_contact(account.tenant_id, draft)
        complaint = Complaint(
            complaint_id=new_id(),
            tenant_id=account.tenant_id,
            estate_id=estate.estate_id,
            regime=estate.regime,
            channel=draft.channel.value,
            account_id=account.account_id,
            # phone numbers in the text are masked here too; the text as said is sealed
            text=masked_text,
            text_sealed=self.vault.seal(draft.text) if masked_text != draft.text else None,
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
        evidence = [
            EvidenceFile(
                evidence_id=new_id(),
                complaint_id=complaint.complaint_id,
                filename=e.filename,
                content_type=e.content_type,
                size=e.size,
                sha256=e.sha256,
                data=e.data,
            )
            for e in draft.evidence
        ]
        session.add_all([contact, complaint, *evidence])
        add_event(session, self.topics.received(estate.regime), received_event(complaint, evidence), now)
        return _outcome(complaint, draft, "received", f"已收到您的投诉，编号 {complaint.complaint_id}。")

    def _check_limits(self, draft: ComplaintDraft) -> None:
        if len(draft.text) > self.limits.max_text_chars:
            raise Refused(
                422,
                f"text is {len(draft.text)} characters; at most {self.limits.max_text_chars} are accepted",
            )
        size = sum(e.size for e in draft.evidence)
        if size > self.limits.evidence_max_bytes:
            raise Refused(
                413, f"evidence is {size} bytes; at most {self.limits.evidence_max_bytes} are accepted"
            )

    async def _estate(self, session: AsyncSession, account: ChannelAccount, draft: ComplaintDraft) -> Estate:
        estate_id = draft.estate_id or account.default_estate
        if estate_id is None:
            raise Refused(422, "estate_id is required: this account serves several estates")
        estate = await session.get(Estate, estate_id) if estate_id in account.estate_ids() else None
        if estate is None or estate.tenant_id != account.tenant_id:
            # The same answer for an unknown estate and another tenant's: no probing.
            raise Refused(422, f"unknown estate {estate_id!r} for this account")
        return estate

    def _seal_contact(self, tenant_id: str, draft: ComplaintDraft) -> Contact:
        c, v = draft.contact, self.vault
        return Contact(
            contact_ref=new_id(),
            tenant_id=tenant_id,
            name_sealed=v.seal(c.name),
            phone_sealed=v.seal(c.phone),
            email_sealed=v.seal(c.email),
            reply_to_sealed=v.seal(c.reply_to),
            phone_index=v.index(c.phone),
            reply_index=v.index(c.reply_to or c.email),
        )


async def find_by_source(session: AsyncSession, tenant_id: str, draft: ComplaintDraft) -> Complaint | None:
    found: Complaint | None = await session.scalar(
        select(Complaint).where(
            col(Complaint.tenant_id) == tenant_id,
            col(Complaint.channel) == draft.channel.value,
            col(Complaint.source_message_id) == draft.source_message_id,
        )
    )
    return found


def received_event(c: Complaint, evidence: list[EvidenceFile]) -> Envelope:
    payload = ComplaintReceived(
        regime=c.regime,
        channel=c.channel,
        text=c.text,
        room=c.room,
        contact=MaskedContact(name=c.contact_name_masked, phone=c.contact_phone_masked or ""),
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
    return Envelope.new(
        payload=payload,
        occurred_at=c.received_at,
        tenant_id=c.tenant_id,
        estate_id=c.estate_id,
        complaint_id=c.complaint_id,
    )


def _outcome(c: Complaint, draft: ComplaintDraft, status: str, message: str) -> Outcome:
    return Outcome.model_validate(
        {
            "source_message_id": draft.source_message_id,
            "status": status,
            "complaint_id": c.complaint_id,
            "regime": c.regime,
            "message": message,
        }
    )
