"""Delivering ``ReplyRequested`` messages through the channel adapter this deployment hosts.

The address is resolved from the vault only here, just before sending; it never travels
on Kafka. A transient failure is retried (then the DLQ, for an operator to replay); a
permanent one (no address, the channel refuses) goes straight to the DLQ with its reason.
"""

from __future__ import annotations

from tousu_channels import ChannelAdapter, ContactDraft, Outbound, SendFailed
from tousu_intake.models import Contact
from tousu_intake.vault import Vault
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ReplyRequested
from tousu_shared.delivery.consumer import Handler, HandlerContext
from tousu_shared.delivery.errors import PermanentError
from tousu_shared.logging import get_logger

log = get_logger(__name__)


def deliverer(adapter: ChannelAdapter, vault: Vault) -> Handler:
    async def deliver(ctx: HandlerContext, event: Envelope) -> None:
        if event.type != "ReplyRequested":
            return
        reply: ReplyRequested = event.typed_payload()
        contact = await ctx.session.get(Contact, reply.contact_ref)
        if contact is None:
            raise PermanentError(f"no contact {reply.contact_ref} in the vault")
        message = Outbound(
            message_id=event.event_id,
            complaint_id=event.complaint_id,
            kind=reply.kind,
            text=reply.text,
            questions=tuple(reply.questions),
            account=reply.account_id,
            in_reply_to=reply.in_reply_to,
            address=ContactDraft(
                name=vault.open(contact.name_sealed),
                phone=vault.open(contact.phone_sealed),
                email=vault.open(contact.email_sealed),
                reply_to=vault.open(contact.reply_to_sealed),
            ),
        )
        try:
            await adapter.send(message)
        except SendFailed as exc:
            if exc.transient:
                raise  # retried, then the DLQ
            raise PermanentError(f"{adapter.name} cannot deliver: {exc}") from None
        log.info("reply sent", channel=adapter.name, kind=reply.kind, complaint_id=event.complaint_id)

    return deliver
