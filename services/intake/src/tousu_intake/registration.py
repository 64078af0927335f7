"""Registering a channel's draft: binding, idempotency, rejection, repeats, answers, new cases.

Everything happens in the caller's transaction, so a complaint, its sealed contact, its
evidence and its event are stored together or not at all. What becomes of a draft:

- a retried delivery (same source message) → ``duplicate``, the first complaint's id;
- no way to reach the complainant, under a regime with 不予受理 ``no_facts_or_contact`` →
  ``rejected``: recorded, reported, and the complainant told why (if the channel can);
- the next message of a complainant who was asked to clarify → ``answer``: the same case;
- the same household saying the same again within the window → ``linked`` to the earlier case;
- anything else → ``received``: a new case, on its way to triage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from tousu_channels import ComplaintDraft, Outcome
from tousu_intake.domain.repeats import overlap
from tousu_intake.models import ChannelAccount, Clarification, Complaint, Contact, Estate
from tousu_intake.records import (
    answered_event,
    complaint_row,
    evidence_rows,
    new_event,
    received_event,
    rejected_event,
    repeated_event,
)
from tousu_intake.vault import Vault
from tousu_shared.contracts.events import ReplyRequested
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.outbox import add_event
from tousu_shared.ids import new_id
from tousu_shared.regimes import load_regime

NO_CONTACT = "no_facts_or_contact"
#: what an acknowledgement is, per outcome (an unreachable complainant is never acknowledged)
_ACK_KIND = {"received": "received", "linked": "update", "answer": "update", "rejected": "rejected"}


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
    repeat_window: timedelta = timedelta(days=7)
    repeat_threshold: float = 0.7
    clarify_window: timedelta = timedelta(hours=48)


@dataclass(frozen=True)
class Registrar:
    vault: Vault
    topics: Topics
    limits: Limits

    async def register(
        self,
        session: AsyncSession,
        account: ChannelAccount,
        draft: ComplaintDraft,
        now: datetime,
        *,
        acknowledge: bool = False,
    ) -> Outcome:
        """Decide and store what becomes of ``draft``; with ``acknowledge``, also ask the
        channel to tell the complainant (pollers: a mailbox has no immediate answer)."""
        outcome, case, contact = await self._decide(session, account, draft, now)
        if acknowledge and case is not None and contact is not None:
            reply = ReplyRequested(
                account_id=account.account_id,
                kind=_ACK_KIND[outcome.status],
                text=outcome.message,
                contact_ref=contact.contact_ref,
                in_reply_to=draft.source_message_id,
            )
            add_event(session, self.topics.outbound(account.channel), new_event(case, reply, now), now)
        return outcome

    async def _decide(
        self, session: AsyncSession, account: ChannelAccount, draft: ComplaintDraft, now: datetime
    ) -> tuple[Outcome, Complaint | None, Contact | None]:
        if draft.tenant_hint and draft.tenant_hint != account.tenant_id:
            raise Refused(403, f"this account belongs to another tenant than {draft.tenant_hint!r}")
        self._check_limits(draft)
        if known := await find_by_source(session, account.tenant_id, draft):
            return (
                _outcome(known, draft, "duplicate", f"这条投诉已登记，编号 {known.complaint_id}。"),
                None,
                None,
            )
        estate = await self._estate(session, account, draft)
        contact = self._seal_contact(account.tenant_id, draft)
        if not draft.contact.reachable():
            return self._reject_unreachable(session, account, estate, draft, contact, now), None, None
        if question := await self._open_question(session, account, contact, now):
            return await self._answer(session, question, account, draft, contact, now)
        complaint = complaint_row(account, estate, draft, contact, self.vault, now)
        if earlier := await self._earlier_saying_the_same(session, complaint, contact, now):
            return self._link(session, complaint, earlier, draft, contact, now), earlier, contact
        evidence = evidence_rows(complaint.complaint_id, draft)
        session.add_all([contact, complaint, *evidence])
        add_event(session, self.topics.received(estate.regime), received_event(complaint, evidence), now)
        message = f"已收到您的投诉，编号 {complaint.complaint_id}。"
        return _outcome(complaint, draft, "received", message), complaint, contact

    def _check_limits(self, draft: ComplaintDraft) -> None:
        limit = self.limits.max_text_chars
        if len(draft.text) > limit:
            raise Refused(422, f"text is {len(draft.text)} characters; at most {limit} are accepted")
        size, most = sum(e.size for e in draft.evidence), self.limits.evidence_max_bytes
        if size > most:
            raise Refused(413, f"evidence is {size} bytes; at most {most} are accepted")

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

    def _reject_unreachable(
        self,
        session: AsyncSession,
        account: ChannelAccount,
        estate: Estate,
        draft: ComplaintDraft,
        contact: Contact,
        now: datetime,
    ) -> Outcome:
        reasons = {r.id: r for r in load_regime(estate.regime).rejection_reasons}
        if NO_CONTACT not in reasons:
            raise Refused(422, "no way to reach the complainant: give a phone, an e-mail or a reply address")
        reason = reasons[NO_CONTACT]
        complaint = complaint_row(account, estate, draft, contact, self.vault, now)
        complaint.status, complaint.reject_reason = "rejected", reason.id
        session.add_all([contact, complaint])
        event = rejected_event(complaint, reason, decided_by="intake", note=None, at=now)
        add_event(session, self.topics.received(estate.regime), event, now)
        return _outcome(complaint, draft, "rejected", reason.message, reason=reason.id)

    async def _open_question(
        self, session: AsyncSession, account: ChannelAccount, contact: Contact, now: datetime
    ) -> Clarification | None:
        indexes = [i for i in (contact.reply_index, contact.phone_index) if i]
        if not indexes:
            return None
        found: Clarification | None = await session.scalar(
            select(Clarification)
            .where(
                col(Clarification.tenant_id) == account.tenant_id,
                col(Clarification.account_id) == account.account_id,
                col(Clarification.contact_index).in_(indexes),
                col(Clarification.answered_at).is_(None),
                col(Clarification.asked_at) >= now - self.limits.clarify_window,
            )
            .order_by(col(Clarification.asked_at).desc())
        )
        return found

    async def _answer(
        self,
        session: AsyncSession,
        question: Clarification,
        account: ChannelAccount,
        draft: ComplaintDraft,
        contact: Contact,
        now: datetime,
    ) -> tuple[Outcome, Complaint, Contact]:
        case = await session.get(Complaint, question.complaint_id)
        assert case is not None  # a question is only ever asked about a registered complaint
        question.answered_at = now
        answer = complaint_row(account, await self._estate_of(session, case), draft, contact, self.vault, now)
        answer.status, answer.related_to = "answer", case.complaint_id
        session.add_all([contact, answer, question])
        event = answered_event(case, answer, question.questions.splitlines(), now)
        add_event(session, self.topics.received(case.regime), event, now)
        message = f"已收到您的补充说明，编号 {case.complaint_id}。"
        return _outcome(answer, draft, "answer", message, related_to=case.complaint_id), case, contact

    async def _estate_of(self, session: AsyncSession, case: Complaint) -> Estate:
        estate = await session.get(Estate, case.estate_id)
        assert estate is not None
        return estate

    async def _earlier_saying_the_same(
        self, session: AsyncSession, new: Complaint, contact: Contact, now: datetime
    ) -> Complaint | None:
        same_household = [
            col(Contact.phone_index) == contact.phone_index if contact.phone_index else None,
            col(Contact.reply_index) == contact.reply_index if contact.reply_index else None,
            (col(Complaint.room) == new.room) if new.room else None,
        ]
        rows = await session.scalars(
            select(Complaint)
            .join(Contact, col(Contact.contact_ref) == col(Complaint.contact_ref))
            .where(
                col(Complaint.tenant_id) == new.tenant_id,
                col(Complaint.estate_id) == new.estate_id,
                col(Complaint.status) == "received",
                col(Complaint.received_at) >= now - self.limits.repeat_window,
                or_(*[c for c in same_household if c is not None]),
            )
            .order_by(col(Complaint.received_at).desc())
            .limit(20)
        )
        threshold = self.limits.repeat_threshold
        return next((c for c in rows if overlap(new.text, c.text) >= threshold), None)

    def _link(
        self,
        session: AsyncSession,
        new: Complaint,
        earlier: Complaint,
        draft: ComplaintDraft,
        contact: Contact,
        now: datetime,
    ) -> Outcome:
        new.status, new.related_to = "linked", earlier.complaint_id
        session.add_all([contact, new, *evidence_rows(new.complaint_id, draft)])
        event = repeated_event(earlier, new, overlap(new.text, earlier.text), now)
        add_event(session, self.topics.received(earlier.regime), event, now)
        message = f"您反映的问题已在处理中（编号 {earlier.complaint_id}），我们已记录您的再次反映。"
        return _outcome(new, draft, "linked", message, related_to=earlier.complaint_id)


async def find_by_source(session: AsyncSession, tenant_id: str, draft: ComplaintDraft) -> Complaint | None:
    found: Complaint | None = await session.scalar(
        select(Complaint).where(
            col(Complaint.tenant_id) == tenant_id,
            col(Complaint.channel) == draft.channel.value,
            col(Complaint.source_message_id) == draft.source_message_id,
        )
    )
    return found


def _outcome(c: Complaint, draft: ComplaintDraft, status: str, message: str, **extra: str) -> Outcome:
    # an answer continues its case: the complainant hears the case's number, not the message's
    case_id = c.related_to if c.status == "answer" and c.related_to else c.complaint_id
    return Outcome.model_validate(
        {
            "source_message_id": draft.source_message_id,
            "status": status,
            "complaint_id": case_id,
            "regime": c.regime,
            "message": message,
            **extra,
        }
    )
