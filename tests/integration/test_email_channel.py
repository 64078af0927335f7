"""The e-mail channel on its own deployment, through the real broker: mails a mail server
delivered into a maildir become complaints (attachments as evidence), a redelivered mail is
the same complaint, an unreadable one is set aside with its reason, and the resident gets
an acknowledgement by SMTP, threaded under their mail; once the case is resolved, the
callback's survey link comes back by mail too, and answering it closes the case."""

from __future__ import annotations

import asyncio
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from tests.integration.harness import (
    ADMIN,
    Stack,
    add_tenant,
    free_port,
    start_channel_deployment,
    wait_until,
)

TENANT = "mail-group"
ESTATE = "mail-1"
ACCOUNT = "mail-group-box"
MESSAGE_ID = "20261206093000.4711@resident.example"


class Inbox:
    """An SMTP server on loopback that keeps what it is sent."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(parsed, EmailMessage)
        self.mails.append(parsed)
        return "250 OK"


def _resident_mail() -> bytes:
    mail = EmailMessage()
    mail["From"] = "王坤 <wangkun@resident.example>"
    mail["To"] = "tousu@mail-group.example"
    mail["Subject"] = f"[{ESTATE}] 楼道漏水"
    mail["Message-ID"] = f"<{MESSAGE_ID}>"
    mail["Date"] = "Sun, 06 Dec 2026 09:30:00 +0800"
    mail.set_content("物业你好：\n\n7栋1单元1103门口的楼道天花板在漏水，地上已经积了一摊水。\n\n王坤\n")
    mail.add_attachment(
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, maintype="image", subtype="png", filename="漏水.png"
    )
    return mail.as_bytes()


def _deliver(maildir: Path, name: str, content: bytes) -> None:
    (maildir / "tmp" / name).write_bytes(content)
    (maildir / "tmp" / name).rename(maildir / "new" / name)  # as a mail server delivers


async def test_mails_become_one_complaint_each_and_are_answered_in_their_thread(
    stack: Stack, tmp_path: Path
) -> None:
    await add_tenant(stack, TENANT, {ESTATE: "logistics-service"})
    async with httpx.AsyncClient(base_url=stack.url("intake"), headers=ADMIN) as client:
        r = await client.put(
            f"/v1/channel-accounts/{ACCOUNT}",
            json={
                "channel": "email",
                "tenant_id": TENANT,
                "estates": [ESTATE],
                "secret": "mailbox-0123456789",
            },
        )
        assert r.status_code == 200, r.text
    maildir = tmp_path / "maildir"
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True)
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        await start_channel_deployment(
            stack,
            "email",
            {
                "TOUSU_CHANNEL_EMAIL_ACCOUNT": ACCOUNT,
                "TOUSU_CHANNEL_EMAIL_MAILDIR": str(maildir),
                "TOUSU_CHANNEL_EMAIL_POLL_SECONDS": "0.5",
                "TOUSU_CHANNEL_EMAIL_FROM_ADDRESS": "物业客服 <tousu@mail-group.example>",
                "TOUSU_CHANNEL_EMAIL_SMTP_HOST": "127.0.0.1",
                "TOUSU_CHANNEL_EMAIL_SMTP_PORT": str(smtp.port),
            },
        )
        mail = _resident_mail()
        _deliver(maildir, "1765000000.M1P1.mx1", mail)
        _deliver(maildir, "1765000001.M2P1.mx1", mail)  # the mail server delivered it twice
        _deliver(maildir, "1765000002.M3P1.mx1", b"this is not a mail at all")

        async def settled() -> bool | str:
            new = sorted(p.name for p in (maildir / "new").iterdir())
            return True if not new else f"waiting: {new}"

        await wait_until(settled, 60, "the maildir read")
        complaints = int(
            await stack.scalar(
                "intake",
                "SELECT count(*) FROM intake_complaints WHERE tenant_id = :t AND channel = 'email'",
                t=TENANT,
            )
        )
        assert complaints == 1
        evidence = await stack.scalar(
            "intake",
            "SELECT count(*) FROM intake_evidence e JOIN intake_complaints c USING (complaint_id)"
            " WHERE c.tenant_id = :t",
            t=TENANT,
        )
        assert evidence == 1
        aside = list((maildir / ".rejected" / "new").iterdir())
        assert [p.name for p in aside] == ["1765000002.M3P1.mx1"]
        assert (maildir / ".rejected" / "1765000002.M3P1.mx1.error.txt").read_text().strip()
        assert all(":2,S" in p.name for p in (maildir / "cur").iterdir())

        async def answered() -> bool | int:
            return True if inbox.mails else 0

        await wait_until(answered, 60, "the acknowledgement by SMTP")
        await asyncio.sleep(2)  # a second acknowledgement would have come by now
        [ack] = inbox.mails
        assert ack["To"] == "wangkun@resident.example" or "wangkun@resident.example" in str(ack["To"])
        assert ack["In-Reply-To"] == f"<{MESSAGE_ID}>"
        assert "投诉编号" in str(ack["Subject"])
        await _survey_by_mail(stack, inbox)
    finally:
        smtp.stop()


async def _survey_by_mail(stack: Stack, inbox: Inbox) -> None:
    """Resolve the mailed complaint: the callback task's survey link arrives by SMTP, and the
    resident's answer through it closes the case (once: the link then answers 410)."""
    cid = await stack.scalar(
        "intake", "SELECT complaint_id FROM intake_complaints WHERE tenant_id = :t", t=TENANT
    )
    async with httpx.AsyncClient(headers=ADMIN, timeout=15) as client:
        orders = await client.get(f"{stack.url('dispatch')}/v1/work-orders", params={"complaint_id": cid})
        [order] = orders.json()["items"]
        for verb in ("onsite", "resolve"):
            body = {"verb": verb, "by": "eng-1", "note": "已修补楼道天花板"}
            r = await client.post(
                f"{stack.url('dispatch')}/v1/work-orders/{order['work_order_id']}/actions", json=body
            )
            assert r.status_code == 202, r.text

        async def survey() -> bool | int:
            return True if len(inbox.mails) >= 2 else len(inbox.mails)

        await wait_until(survey, 60, "the survey link by SMTP")
        mail = inbox.mails[1]
        assert "请评价投诉处理结果" in str(mail["Subject"])
        body = mail.get_body(preferencelist=("plain",))
        assert body is not None
        [link] = re.findall(r"http://\S+/survey/[A-Za-z0-9._-]+", body.get_content())
        path = link.removeprefix(stack.url("callback"))
        answer = {"satisfaction": "satisfied", "score": 5}
        async with httpx.AsyncClient(base_url=stack.url("callback"), timeout=15) as resident:
            assert (await resident.get(path)).status_code == 200
            assert (await resident.post(path, json=answer)).status_code == 201
            assert (await resident.post(path, json=answer)).status_code == 410

        async def closed() -> bool | str:
            r = await client.get(
                f"{stack.url('sla-monitor')}/v1/cases/{cid}/clocks", params={"tenant": TENANT}
            )
            return True if r.json().get("state") == "closed" else str(r.json().get("state"))

        await wait_until(closed, 60, "the case closed by the survey's answer")
