"""The tenancy check of every consumed message: an estate belongs to one property group.

The first message naming an estate binds it to that message's group (in the same
transaction as the message is applied; consumers racing to bind a new estate agree on the
first); any later message naming the estate under another
group is refused to the DLQ before its handler runs, so one group's mislabelled or forged
event can never write into another group's cases. Confirmed bindings are cached per
process: they never change.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.db.insert import insert_if_absent
from tousu_shared.delivery.errors import PermanentError
from tousu_shared.delivery.tables import EstateTenant


class WrongTenant(PermanentError):
    pass


class TenancyCheck:
    def __init__(self) -> None:
        self._known: dict[str, str] = {}  # committed bindings
        self._pending: dict[str, str] = {}  # bound in the transaction under way

    async def check(self, session: AsyncSession, event: Envelope) -> WrongTenant | None:
        estate, tenant = event.estate_id, event.tenant_id
        owner = self._known.get(estate) or self._pending.get(estate)
        if owner is None:
            owner = await _bind(session, event)
            if owner == tenant:
                self._pending[estate] = owner
            else:
                self._known[estate] = owner  # bound, and committed, by another message
        if owner != tenant:
            return WrongTenant(f"estate {estate} belongs to group {owner}; the message says {tenant}")
        return None

    def committed(self) -> None:
        self._known.update(self._pending)
        self._pending.clear()

    def rolled_back(self) -> None:
        self._pending.clear()


async def _bind(session: AsyncSession, event: Envelope) -> str:
    """The estate's group: bound now to this message's, unless a binding exists. INSERT …
    ON CONFLICT DO NOTHING, so two consumers seeing a new estate at once never fail: the
    second waits for the first to commit, then reads its binding."""
    await insert_if_absent(
        session,
        EstateTenant,
        ["estate_id"],
        estate_id=event.estate_id,
        tenant_id=event.tenant_id,
        first_event_id=event.event_id,
        bound_at=event.occurred_at,
    )
    owner = await session.scalar(
        select(col(EstateTenant.tenant_id)).where(col(EstateTenant.estate_id) == event.estate_id)
    )
    return str(owner)
