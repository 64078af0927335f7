"""Answering the complainant by e-mail: the message, and sending it over SMTP."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib

from tousu_channels import Outbound, SendFailed

SUBJECTS = {
    "received": "已收到您的投诉",
    "rejected": "不予受理通知",
    "clarify": "需要您补充情况",
    "update": "投诉处理进展",
    "survey": "请评价投诉处理结果",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_ID_PART = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    #: None: use STARTTLS when the server offers it
    starttls: bool | None = None
    timeout: float = 30.0


def recipient(message: Outbound) -> str:
    """The complainant's address; a message without one can never be delivered."""
    address = (message.address.email or message.address.reply_to or "").strip()
    if not _EMAIL.match(address):
        raise SendFailed("the complainant has no e-mail address", transient=False)
    return address


def build_reply(message: Outbound, from_address: str) -> EmailMessage:
    """The e-mail for one :class:`Outbound`; the same message always gets the same Message-ID."""
    mail = EmailMessage()
    mail["From"] = from_address
    mail["To"] = recipient(message)
    mail["Subject"] = f"[投诉编号 {message.complaint_id}] {SUBJECTS[message.kind]}"
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = reply_message_id(message.message_id, from_address)
    if message.in_reply_to and not message.in_reply_to.startswith("sha256:"):
        # threads the answer under the resident's mail (RFC 5322 §3.6.4); a hashed key is no id
        mail["In-Reply-To"] = mail["References"] = f"<{message.in_reply_to}>"
    # RFC 3834: vacation notices must not answer this, or they would come back as complaints
    mail["Auto-Submitted"] = "auto-replied" if message.kind == "received" else "auto-generated"
    mail.set_content(reply_body(message))
    return mail


def reply_body(message: Outbound) -> str:
    lines = [message.text.strip()]
    if message.questions:
        lines += ["", *(f"{n}. {q}" for n, q in enumerate(message.questions, start=1))]
    return "\n".join(lines) + "\n"


def reply_message_id(message_id: str, from_address: str) -> str:
    """``<tousu.<id>@<sender's domain>>``: a retried send can be recognised by the receiver."""
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "tousu.invalid"
    part = message_id if _ID_PART.match(message_id) else hashlib.sha256(message_id.encode()).hexdigest()[:32]
    return f"<tousu.{part}@{domain}>"


async def deliver(mail: EmailMessage, smtp: SmtpSettings) -> None:
    """Send ``mail``; failures become :class:`SendFailed`, worth retrying unless the server said 5xx.

    The server's own words are left out of the error: they often repeat the address.
    """
    try:
        await aiosmtplib.send(
            mail,
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.user,
            password=smtp.password,
            start_tls=smtp.starttls,
            timeout=smtp.timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        raise SendFailed(
            f"the mail server refused the recipient ({_codes(codes)})", transient=_retry(codes)
        ) from None
    except aiosmtplib.SMTPResponseException as exc:
        raise SendFailed(
            f"the mail server refused the message ({exc.code})", transient=_retry([exc.code])
        ) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"cannot reach the mail server ({type(exc).__name__})", transient=True) from None


def _retry(codes: list[int]) -> bool:
    """Permanent only when the server answered 5xx; 4xx and odd answers may pass later."""
    return not codes or any(not 500 <= code < 600 for code in codes)


def _codes(codes: list[int]) -> str:
    return ", ".join(str(c) for c in codes) or "no code"
