"""Registering one source message's drafts together, for webhooks and pollers alike."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from tousu_channels import ComplaintDraft, Outcome
from tousu_intake.host import ChannelHost
from tousu_intake.models import ChannelAccount
from tousu_shared.runtime.service import Runtime


async def register_all(
    rt: Runtime,
    host: ChannelHost,
    account: ChannelAccount,
    drafts: list[ComplaintDraft],
    *,
    acknowledge: bool = False,
) -> list[Outcome]:
    """All of one message's drafts, or (on refusal) none of them."""
    now = rt.clock.now()

    async def attempt() -> list[Outcome]:
        async with rt.sessions() as session, session.begin():
            return [
                await host.registrar.register(session, account, d, now, acknowledge=acknowledge)
                for d in drafts
            ]

    try:
        outcomes = await attempt()
    except IntegrityError:
        # A concurrent retry of the same message won the race: now every draft is known.
        outcomes = await attempt()
    if rt.relay:
        rt.relay.wake()
    return outcomes


async def enabled_account(rt: Runtime, channel: str, account: str) -> ChannelAccount | None:
    async with rt.sessions() as session:
        row = await session.get(ChannelAccount, account)
    return row if row is not None and row.enabled and row.channel == channel else None
