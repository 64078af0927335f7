"""The e-mail notifier against an SMTP server on loopback: the mail it sends, and refusals."""

from __future__ import annotations

from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.integration.harness import free_port
from tousu_notifiers import Notification, NotifierConfig, NotifyFailed, Recipient, load_notifier


class Keep:
    def __init__(self, answer: str = "250 OK") -> None:
        self.answer = answer
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(parsed, EmailMessage)
        self.mails.append(parsed)
        return self.answer


@pytest.fixture
def smtp() -> Iterator[tuple[Keep, int]]:
    keep = Keep()
    controller = Controller(keep, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield keep, controller.port
    finally:
        controller.stop()


def notification(email: str | None = "sh01@jinxiu.example") -> Notification:
    return Notification(
        notification_id="01NOTIFYMAIL00000000000000",
        tenant_id="t1",
        complaint_id="c-1",
        kind="escalation",
        recipient=Recipient(staff_id="sh-01", email=email),
        subject="投诉升级：c-1",
        text="c-1 的处理时限已过，请跟进。",
    )


def notifier(port: int) -> Any:
    values = {
        "smtp_host": "127.0.0.1",
        "smtp_port": str(port),
        "from_address": "Tousu <tousu@jinxiu.example>",
    }
    return load_notifier("email", NotifierConfig("email", values))


async def test_it_is_installed_and_sends_the_mail(smtp: tuple[Keep, int]) -> None:
    keep, port = smtp
    await notifier(port).send(notification())
    [mail] = keep.mails
    assert (mail["To"], mail["Subject"]) == ("sh01@jinxiu.example", "投诉升级：c-1")
    assert mail["Message-ID"] == "<tousu.01NOTIFYMAIL00000000000000@jinxiu.example>"
    assert "请跟进" in mail.get_content()


async def test_no_address_is_a_refusal_and_an_unreachable_server_a_retry() -> None:
    with pytest.raises(NotifyFailed) as no_address:
        await notifier(free_port()).send(notification(email=None))
    assert no_address.value.transient is False
    with pytest.raises(NotifyFailed) as unreachable:
        await notifier(free_port()).send(notification())
    assert unreachable.value.transient is True


@pytest.mark.parametrize(("answer", "transient"), [("451 try later", True), ("554 no", False)])
async def test_the_servers_answer_decides(smtp: tuple[Keep, int], answer: str, transient: bool) -> None:
    keep, port = smtp
    keep.answer = answer
    with pytest.raises(NotifyFailed) as failed:
        await notifier(port).send(notification())
    assert failed.value.transient is transient
