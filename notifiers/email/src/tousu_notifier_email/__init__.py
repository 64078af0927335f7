"""The e-mail notifier: a plain-text mail to the recipient's e-mail address, over the same
SMTP client as the e-mail channel (``TOUSU_NOTIFIER_EMAIL_SMTP_HOST``, ``…_SMTP_PORT``,
``…_SMTP_USER``/``…_SMTP_PASSWORD``, ``…_SMTP_STARTTLS``, ``…_FROM_ADDRESS``). Its
Message-ID comes from the notification id, so a resend after a crash is recognisable. No
address or a 5xx answer is a refusal; 4xx answers and an unreachable server are transient."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from tousu_channel_email.replies import SmtpSettings, deliver, reply_message_id
from tousu_channels import SendFailed
from tousu_notifiers import Notification, Notifier, NotifyFailed

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class EmailNotifier(Notifier):
    name = "email"

    async def send(self, notification: Notification) -> None:
        to = (notification.recipient.email or "").strip()
        if not _EMAIL.match(to):
            raise NotifyFailed("the recipient has no e-mail address", transient=False)
        sender = self.config.require("from_address")
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = to
        mail["Subject"] = notification.subject
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = reply_message_id(notification.notification_id, sender)
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(notification.text.strip() + "\n")
        try:
            await deliver(mail, self._smtp())
        except SendFailed as exc:
            raise NotifyFailed(str(exc), transient=exc.transient) from None

    def _smtp(self) -> SmtpSettings:
        starttls = (self.config.get("smtp_starttls") or "").lower()
        return SmtpSettings(
            host=self.config.require("smtp_host"),
            port=int(self.config.get("smtp_port") or "25"),
            user=self.config.get("smtp_user"),
            password=self.config.get("smtp_password"),
            starttls=True if starttls in _TRUE else False if starttls in _FALSE else None,
            timeout=float(self.config.get("smtp_timeout") or "30"),
        )
