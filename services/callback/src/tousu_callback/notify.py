"""Delivering notifications once: staged in the notification outbox in the transaction that
decided them, then sent by the deployment's notifier plugins (``tousu.notifiers``) with
retries on a backoff, each attempt under a row lock so two replicas never send the same one.

A notification is marked sent in the transaction of its successful attempt. Should the
process die between the notifier's answer and that commit, the next attempt sends it again
with the same ``notification_id``, which every notifier passes on as its idempotency key
(the webhook's ``Idempotency-Key``, an SMS gateway's client message id), so the receiver
drops the repeat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from tousu_callback.models import PendingNotification, StaffContact
from tousu_notifiers import Notification, Notifier, NotifyFailed
from tousu_shared.clock import Clock
from tousu_shared.logging import get_logger

log = get_logger(__name__)

#: the routes: escalation notices, and callback tasks due for a named person (which notifier
#: delivers a route is the deployment's setting: TOUSU_NOTIFY_ESCALATION, TOUSU_NOTIFY_CALLBACK)
ESCALATION = "escalation"
CALLBACK = "callback"
#: how long after each failed attempt the next one comes; after the last, the notification fails
RETRY_AFTER = (
    timedelta(seconds=10),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
MAX_ATTEMPTS = len(RETRY_AFTER) + 1


async def stage(session: AsyncSession, notification: Notification, route: str, now: datetime) -> bool:
    """Put ``notification`` in the outbox on ``route`` (``escalation``, …: the deployment's
    settings say which notifier delivers it); False if it is there already (the event that
    decided it was read again)."""
    if await session.get(PendingNotification, notification.notification_id) is not None:
        return False
    session.add(
        PendingNotification(
            notification_id=notification.notification_id,
            notifier=route,
            tenant_id=notification.tenant_id,
            complaint_id=notification.complaint_id,
            body=notification.model_dump_json(),
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True


class NotificationSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        notifiers: Mapping[str, Notifier],
        clock: Clock,
        *,
        postgres: bool,
        batch_size: int = 20,
    ) -> None:
        self._sessions = sessions
        self._notifiers = dict(notifiers)
        self._clock = clock
        self._postgres = postgres
        self._batch_size = batch_size

    async def run_once(self) -> int:
        """Attempt every notification that is due; how many were delivered."""
        now = self._clock.now()
        delivered = 0
        async with self._sessions() as session, session.begin():
            query = (
                select(PendingNotification)
                .where(col(PendingNotification.status) == "pending")
                .where(col(PendingNotification.next_attempt_at) <= now)
                .order_by(col(PendingNotification.next_attempt_at))
                .limit(self._batch_size)
            )
            if self._postgres:
                query = query.with_for_update(skip_locked=True)
            for row in (await session.scalars(query)).all():
                delivered += await self._attempt(session, row, now)
        return delivered

    async def run(self, poll_seconds: float = 1.0) -> None:
        while True:
            if await self.run_once() == 0:
                await asyncio.sleep(poll_seconds)

    async def _attempt(self, session: AsyncSession, row: PendingNotification, now: datetime) -> int:
        notifier = self._notifiers.get(row.notifier)
        if notifier is None:
            row.status, row.last_error = "failed", f"no notifier for {row.notifier!r} in this deployment"
            return 0
        row.attempts += 1
        try:
            await notifier.send(await addressed(session, Notification.model_validate_json(row.body)))
        except NotifyFailed as exc:
            transient, error = exc.transient, str(exc)
        except Exception as exc:  # a notifier's bug or an outage: try again later, say which
            transient, error = True, f"{type(exc).__name__} in notifier {row.notifier}"
        else:
            row.status, row.sent_at, row.last_error = "sent", now, None
            return 1
        row.last_error = error[:500]
        if transient and row.attempts < MAX_ATTEMPTS:
            row.next_attempt_at = now + RETRY_AFTER[row.attempts - 1]
        else:
            row.status = "failed"
        log.warning(
            "notification not delivered",
            notification_id=row.notification_id,
            notifier=row.notifier,
            attempt=row.attempts,
            status=row.status,
            error=row.last_error,
        )
        return 0


async def addressed(session: AsyncSession, notification: Notification) -> Notification:
    """The notification with its staff recipient's addresses filled in from the estate's staff
    contacts (read now, so a changed phone number is used at once; addresses the notification
    already carries win)."""
    who, estate = notification.recipient, notification.data.get("estate_id")
    if who.staff_id is None or not isinstance(estate, str):
        return notification
    found = await session.get(StaffContact, (estate, who.staff_id))
    if found is None or found.tenant_id != notification.tenant_id:
        return notification
    filled = {
        key: getattr(who, key) or getattr(found, key)
        for key in ("phone", "email", "wechat_openid", "webhook_url")
    }
    return notification.model_copy(update={"recipient": who.model_copy(update=filled)})
