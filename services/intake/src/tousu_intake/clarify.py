"""When triage cannot act on a complaint, ask the complainant — through the channel they used.

Intake reads ``complaints.triaged``; for a complaint triage marks ``needs_clarification``
that came through a channel able to reply, it records the questions and asks them
(``ReplyRequested`` on ``channels.outbound.<channel>``). The complainant's next message
on that account is the answer (see registration), and the case continues.
"""

from __future__ import annotations

from tousu_channels.registry import adapter_class
from tousu_intake.models import ChannelAccount, Clarification, Complaint, Contact
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintTriaged, ReplyRequested
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.logging import get_logger

log = get_logger(__name__)

INTRO = "您好，为了尽快处理您的投诉，请补充以下情况（直接回复本消息即可）："


def can_reply(channel: str) -> bool:
    """Whether the installed adapter ``channel`` can deliver messages (without starting it)."""
    cls = adapter_class(channel)
    return cls is not None and cls.can_reply


async def on_triaged(ctx: HandlerContext, event: Envelope) -> None:
    if event.type != "ComplaintTriaged":
        return
    triaged: ComplaintTriaged = event.typed_payload()
    if not triaged.needs_clarification or not triaged.questions:
        return
    session = ctx.session
    complaint = await session.get(Complaint, event.complaint_id)
    if complaint is None or complaint.account_id is None:
        return  # registered before channel accounts existed
    if await session.get(Clarification, complaint.complaint_id):
        return  # asked once; a second vague reading goes to the clerk, not back to the resident
    account = await session.get(ChannelAccount, complaint.account_id)
    contact = await session.get(Contact, complaint.contact_ref)
    if account is None or contact is None or not can_reply(account.channel):
        return
    index = contact.reply_index or contact.phone_index
    if index is None:
        return
    session.add(
        Clarification(
            complaint_id=complaint.complaint_id,
            tenant_id=complaint.tenant_id,
            account_id=account.account_id,
            contact_index=index,
            questions="\n".join(triaged.questions),
            asked_at=ctx.clock.now(),
        )
    )
    ask = ReplyRequested(
        account_id=account.account_id,
        kind="clarify",
        text=INTRO,
        questions=triaged.questions,
        contact_ref=contact.contact_ref,
        in_reply_to=complaint.source_message_id,
    )
    ctx.emit(ctx.topics.outbound(account.channel), event.follow_up(ask, ctx.clock.now()))
    log.info("clarification asked", complaint_id=complaint.complaint_id, channel=account.channel)
