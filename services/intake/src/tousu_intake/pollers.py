"""Running a poller channel (a mailbox): fetch, register, settle — and never lose a message.

A message is settled at the source (moved to ``cur``, flagged …) only after its
registration committed; a crash in between means it is read again, and the idempotency
key makes the second reading a ``duplicate``. A message intake refuses is set aside
where an operator will look, with the reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from tousu_channels import BadMessage, ChannelAdapter, ChannelError
from tousu_intake.host import ChannelHost, host_of
from tousu_intake.registration import Refused
from tousu_intake.submission import enabled_account, register_all
from tousu_shared.logging import get_logger
from tousu_shared.runtime.service import Runtime

log = get_logger(__name__)


def poller(adapter: ChannelAdapter) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    async def run(rt: Runtime) -> None:
        interval = float(adapter.config.get("poll_seconds") or "30")
        host = host_of(rt)
        while True:
            try:
                await poll_once(rt, host, adapter)
            except asyncio.CancelledError:
                raise
            except ChannelError as exc:  # not configured here (e.g. no mailbox under TOUSU_CHANNELS=all)
                log.warning("poller not started", channel=adapter.name, reason=str(exc))
                return
            except Exception as exc:  # a broken mailbox or database: say so, try again later
                log.error("poll failed; retrying", channel=adapter.name, error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(interval)

    run.__name__ = f"poll-{adapter.name}"
    return run


async def poll_once(rt: Runtime, host: ChannelHost, adapter: ChannelAdapter) -> int:
    """Register everything waiting at the source; return how many messages were settled."""
    settled = 0
    async for polled in adapter.poll():
        account = await enabled_account(rt, adapter.name, polled.account)
        if account is None:
            await adapter.set_aside(
                polled.reference, BadMessage(f"unknown or disabled account {polled.account!r}")
            )
            continue
        try:
            outcomes = await register_all(
                rt, host, account, list(polled.drafts), acknowledge=adapter.can_reply
            )
        except Refused as exc:
            await adapter.set_aside(polled.reference, BadMessage(exc.detail))
            continue
        await adapter.settle(polled, outcomes)
        settled += 1
    if settled:
        log.info("mailbox polled", channel=adapter.name, settled=settled)
    return settled
