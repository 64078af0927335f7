"""The notification outbox: a notifier that fails three times, then succeeds, delivers the
notification exactly once; refusals and lasting failures end as failed, with the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.unit.callback.conftest import deliver, event
from tousu_callback.models import PendingNotification
from tousu_callback.notify import MAX_ATTEMPTS, RETRY_AFTER, NotificationSender, stage
from tousu_callback.settings import callback_settings
from tousu_notifiers import Notification, Notifier, NotifyFailed, Recipient
from tousu_shared.clock import VirtualClock
from tousu_shared.contracts.events import EscalationNotified
from tousu_shared.runtime.service import Runtime


class Flaky(Notifier):
    """Fails ``failures`` times (transiently, or with ``refuse`` for good), then delivers."""

    name = "flaky"

    def __init__(self, failures: int, refuse: bool = False) -> None:
        super().__init__()
        self.failures, self.refuse = failures, refuse
        self.attempts = 0
        self.delivered: list[str] = []

    async def send(self, notification: Notification) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise NotifyFailed("gateway answered 503", transient=not self.refuse)
        self.delivered.append(notification.notification_id)


def notification(nid: str = "n-1") -> Notification:
    return Notification(
        notification_id=nid,
        tenant_id="t1",
        complaint_id="c-1",
        kind="escalation",
        recipient=Recipient(staff_id="sh-01", webhook_url="http://127.0.0.1:9/x"),
        subject="投诉升级",
        text="c-1 的处理时限已过，请跟进",
    )


async def staged(rt: Runtime, *items: Notification, notifier: str = "flaky") -> None:
    async with rt.sessions() as session, session.begin():
        for item in items:
            await stage(session, item, notifier, rt.clock.now())


async def row(rt: Runtime, nid: str = "n-1") -> PendingNotification:
    async with rt.sessions() as session:
        found = await session.get(PendingNotification, nid)
        assert found is not None
        return found


def sender(rt: Runtime, notifier: Notifier) -> NotificationSender:
    return NotificationSender(rt.sessions, {notifier.name: notifier}, rt.clock, postgres=False)


async def test_a_notifier_that_fails_three_times_then_succeeds_sends_exactly_one_message(rt: Runtime) -> None:
    flaky = Flaky(failures=3)
    await staged(rt, notification())
    await staged(rt, notification())  # the deciding event read again: still one notification
    send = sender(rt, flaky)
    assert isinstance(rt.clock, VirtualClock)
    for attempt, wait in enumerate([timedelta(0), *RETRY_AFTER[:3]], start=1):
        rt.clock.advance(wait)
        assert await send.run_once() == (1 if attempt == 4 else 0)
        assert await send.run_once() == 0  # nothing is due again before its backoff
        assert (await row(rt)).attempts == attempt
    assert flaky.delivered == ["n-1"]
    done = await row(rt)
    assert (done.status, done.sent_at, done.last_error) == ("sent", rt.clock.now(), None)
    rt.clock.advance(timedelta(days=1))
    assert await send.run_once() == 0 and flaky.delivered == ["n-1"]


async def test_a_refusal_fails_at_once_with_its_reason(rt: Runtime) -> None:
    await staged(rt, notification())
    await sender(rt, Flaky(failures=1, refuse=True)).run_once()
    failed = await row(rt)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "gateway answered 503")


async def test_a_notification_that_never_gets_through_fails_after_the_last_attempt(rt: Runtime) -> None:
    always = Flaky(failures=10**6)
    await staged(rt, notification())
    send = sender(rt, always)
    assert isinstance(rt.clock, VirtualClock)
    for wait in [timedelta(0), *RETRY_AFTER]:
        rt.clock.advance(wait)
        await send.run_once()
    failed = await row(rt)
    assert (failed.status, failed.attempts) == ("failed", MAX_ATTEMPTS)
    rt.clock.advance(timedelta(days=1))
    await send.run_once()
    assert always.attempts == MAX_ATTEMPTS


async def test_a_notifier_this_deployment_lacks_is_named(rt: Runtime) -> None:
    await staged(rt, notification(), notifier="sms")
    await sender(rt, Flaky(failures=0)).run_once()
    failed = await row(rt)
    assert (failed.status, failed.last_error) == ("failed", "no notifier for 'sms' in this deployment")


async def test_due_notifications_go_oldest_first_in_batches(rt: Runtime) -> None:
    await staged(rt, *(notification(f"n-{i}") for i in range(30)))
    flaky = Flaky(failures=0)
    send = NotificationSender(rt.sessions, {"flaky": flaky}, rt.clock, postgres=False, batch_size=20)
    assert await send.run_once() == 20
    assert await send.run_once() == 10
    async with rt.sessions() as session:
        statuses = set((await session.scalars(select(PendingNotification.status))).all())
    assert statuses == {"sent"} and len(flaky.delivered) == 30


def escalation(people: list[str]) -> EscalationNotified:
    return EscalationNotified(
        to_role="station_head",
        people=people,
        reason="工程部 2 小时未上门",
        trigger="breached",
        clock="onsite",
        escalation_event_id="01ESCALATION000000000000AB",
    )


async def test_an_escalation_stages_one_notification_per_person_once(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOUSU_NOTIFY_ESCALATION", "webhook")
    callback_settings.cache_clear()
    try:
        told = event(escalation(["sh-01", "pm-02"]))
        await deliver(rt, told)
        await deliver(rt, told)  # read again after a crash
        async with rt.sessions() as session:
            rows = (await session.scalars(select(PendingNotification))).all()
        assert sorted(Notification.model_validate_json(r.body).recipient.staff_id or "" for r in rows) == [
            "pm-02",
            "sh-01",
        ]
        assert {(r.notifier, r.status, r.complaint_id) for r in rows} == {("escalation", "pending", "c-1")}
        assert "工程部 2 小时未上门" in Notification.model_validate_json(rows[0].body).text
    finally:
        callback_settings.cache_clear()


async def test_without_a_notifier_for_escalations_nothing_is_staged(rt: Runtime) -> None:
    callback_settings.cache_clear()
    await deliver(rt, event(escalation(["sh-01"])))
    async with rt.sessions() as session:
        assert (await session.scalars(select(PendingNotification))).all() == []
