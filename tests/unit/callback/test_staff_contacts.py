"""Staff contact addresses: uploaded per estate, read back masked, filled into a notification
just before its notifier sends it; and the named caller told when a callback task opens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select

from tests.unit.callback.conftest import deliver, event
from tests.unit.callback.test_tasks_service import resolved_case
from tests.unit.service_runtime import person
from tousu_callback.models import PendingNotification
from tousu_callback.notify import NotificationSender, stage
from tousu_callback.settings import callback_settings
from tousu_notifiers import Notification, Notifier, Recipient
from tousu_shared.contracts.events import WorkOrderCreated
from tousu_shared.runtime.service import Runtime

Client = AsyncTestClient[Litestar]
CONTACTS = {
    "tenant_id": "t1",
    "contacts": [
        {"staff_id": "sh-01", "phone": "13800138000", "email": "li@example.com", "wechat_openid": "o-abc"},
        {"staff_id": "cs-02", "webhook_url": "https://hooks.example.com/cs-02"},
    ],
}


class Recording(Notifier):
    name = "recording"

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Notification] = []

    async def send(self, notification: Notification) -> None:
        self.sent.append(notification)


@pytest.fixture
def notify_callback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TOUSU_NOTIFY_CALLBACK", "sms")
    callback_settings.cache_clear()
    yield
    callback_settings.cache_clear()


async def test_contacts_are_replaced_per_estate_and_read_back_masked(client: Client) -> None:
    r = await client.put("/v1/estates/e1/staff-contacts", json=CONTACTS)
    assert r.status_code == 200, r.text
    r = await client.put("/v1/estates/e1/staff-contacts", json=CONTACTS)  # the same upload again
    listed = (await client.get("/v1/estates/e1/staff-contacts")).json()["contacts"]
    assert listed == [
        {"staff_id": "cs-02", "phone": None, "email": None, "wechat_openid": None, "webhook_url": "***"},
        {"staff_id": "sh-01", "phone": "138****8000", "email": "l***@example.com", "wechat_openid": "***",
         "webhook_url": None},
    ]  # fmt: skip
    assert "13800138000" not in r.text and "o-abc" not in r.text


@pytest.mark.parametrize(
    "body",
    [
        {"tenant_id": "t1", "contacts": [{"staff_id": "x"}]},
        {"tenant_id": "t1", "contacts": [{"staff_id": "x", "phone": "call me"}]},
        {"tenant_id": "t1", "contacts": [{"staff_id": "x", "webhook_url": "ftp://nope"}]},
        {
            "tenant_id": "t1",
            "contacts": [{"staff_id": "x", "email": "a@b.c"}, {"staff_id": "x", "email": "d@e.f"}],
        },
        {"tenant_id": "t1", "contacts": [{"staff_id": "x", "email": "a@b.c", "pager": "1"}]},
    ],
)
async def test_a_bad_upload_is_a_400_and_changes_nothing(client: Client, body: dict[str, Any]) -> None:
    assert (await client.put("/v1/estates/e1/staff-contacts", json=CONTACTS)).status_code == 200
    assert (await client.put("/v1/estates/e1/staff-contacts", json=body)).status_code == 400
    assert len((await client.get("/v1/estates/e1/staff-contacts")).json()["contacts"]) == 2


async def test_only_the_estates_roster_keepers_may_write_and_another_group_gets_404(
    rt: Runtime, client: Client
) -> None:
    await deliver(rt, event(WorkOrderCreated(work_order_id="wo-1", department="d", category="c")))
    cleaner, head = person(rt, "cl-1", "cleaning@e1"), person(rt, "sh-1", "station_head@e1")
    other = person(rt, "sh-9", "station_head@*", tenant="t2")
    put = "/v1/estates/e1/staff-contacts"
    assert (await client.put(put, json=CONTACTS, headers=cleaner)).status_code == 403
    assert (await client.put(put, json=CONTACTS, headers=head)).status_code == 200
    assert (await client.put(put, json=CONTACTS | {"tenant_id": "t2"}, headers=other)).status_code == 404
    assert (await client.get(put, headers=other)).status_code == 404
    assert len((await client.get(put, headers=cleaner)).json()["contacts"]) == 2


async def test_the_sender_fills_in_the_recipients_addresses_at_send_time(rt: Runtime, client: Client) -> None:
    assert (await client.put("/v1/estates/e1/staff-contacts", json=CONTACTS)).status_code == 200
    told = Notification(
        notification_id="n-1",
        tenant_id="t1",
        complaint_id="c-1",
        kind="escalation",
        recipient=Recipient(staff_id="sh-01", email="own@example.com"),
        subject="s",
        text="t",
        data={"estate_id": "e1"},
    )
    stranger = told.model_copy(update={"notification_id": "n-2", "tenant_id": "t2"})
    async with rt.sessions() as session, session.begin():
        await stage(session, told, "recording", rt.clock.now())
        await stage(session, stranger, "recording", rt.clock.now())
    notifier = Recording()
    assert (
        await NotificationSender(rt.sessions, {"recording": notifier}, rt.clock, postgres=False).run_once()
        == 2
    )
    mine, theirs = sorted(notifier.sent, key=lambda n: n.notification_id)
    assert (mine.recipient.phone, mine.recipient.email, mine.recipient.wechat_openid) == (
        "13800138000",
        "own@example.com",  # what the notification carries wins
        "o-abc",
    )
    assert theirs.recipient.phone is None  # another group's notification never gets t1's addresses
    async with rt.sessions() as session:
        stored = (await session.scalars(select(PendingNotification))).all()
    assert all("13800138000" not in row.body for row in stored)  # the outbox never holds them


async def test_the_named_caller_is_told_when_a_task_opens(rt: Runtime, notify_callback: None) -> None:
    task_id = await resolved_case(rt)
    async with rt.sessions() as session:
        [row] = (await session.scalars(select(PendingNotification))).all()
    told = Notification.model_validate_json(row.body)
    assert (row.notifier, told.notification_id, told.kind, told.recipient.staff_id) == (
        "callback",
        task_id,
        "callback_due",
        "clerk-7",
    )
    assert "2026-09-17 10:00 前回访" in told.text


async def test_a_task_for_a_role_tells_nobody_by_name(rt: Runtime, notify_callback: None) -> None:
    await resolved_case(rt, owner="station_head")
    async with rt.sessions() as session:
        assert (await session.scalars(select(PendingNotification))).all() == []
