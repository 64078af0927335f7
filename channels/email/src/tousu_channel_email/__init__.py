"""The e-mail channel: written complaints (书面投诉: letters, faxes, e-mails) from a mailbox.

The mail server delivers into a maildir; intake's poller asks :meth:`EmailChannel.poll`
for what is waiting, registers it, and only then :meth:`settle` marks the message seen
(``cur/``, flag ``S``). A crash in between means the message is read again; its
Message-ID (or, without one, the file's hash) makes the second reading a duplicate.
A message that is not a readable complaint is moved to the ``.rejected`` folder with a
``<key>.error.txt`` beside it, so nothing is lost. Replies go out by SMTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from tousu_channel_email.maildir import MaildirBox, Waiting
from tousu_channel_email.parsing import DEFAULT_MAX_BYTES, parse_message
from tousu_channel_email.replies import SmtpSettings, build_reply, deliver
from tousu_channels import (
    BadMessage,
    ChannelAdapter,
    ChannelConfig,
    ChannelError,
    ComplaintDraft,
    HttpIn,
    Outbound,
    Outcome,
    SendFailed,
)
from tousu_channels.adapter import Polled
from tousu_shared.logging import get_logger

log = get_logger(__name__)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class EmailChannel(ChannelAdapter):
    name = "email"
    webhook = False
    poller = True
    can_reply = True

    def __init__(self, config: ChannelConfig | None = None) -> None:
        super().__init__(config)
        self._box: MaildirBox | None = None

    # --- reading ----------------------------------------------------------------------
    @property
    def max_bytes(self) -> int:
        return _int_setting(self.config, "max_bytes", DEFAULT_MAX_BYTES)

    def parse(self, request: HttpIn) -> list[ComplaintDraft]:
        """The request body is one raw message, exactly as the mail server stored it."""
        return [parse_message(request.body, max_bytes=self.max_bytes)]

    async def poll(self) -> AsyncIterator[Polled]:
        account = self.config.require("account")
        box = await self._maildir()
        for item in await asyncio.to_thread(box.waiting):
            draft = await self._read(box, item)
            if draft is not None:
                yield Polled(account=account, reference=item.key, drafts=[draft])

    async def _read(self, box: MaildirBox, item: Waiting) -> ComplaintDraft | None:
        """The message's draft; None when it was set aside or taken by another poller."""
        limit = self.max_bytes
        try:
            if item.size > limit:  # refused before reading it into memory
                raise BadMessage(f"the message is {item.size} bytes; the limit is {limit}")
            raw = await asyncio.to_thread(box.read, item)
            return await asyncio.to_thread(parse_message, raw, max_bytes=limit)
        except FileNotFoundError:
            return None
        except ChannelError as exc:
            await self.set_aside(item.key, exc)
        except Exception as exc:  # a bug must not block the mailbox: keep the mail aside, say so
            log.error(
                "unexpected error reading a mail", channel=self.name, key=item.key, error=type(exc).__name__
            )
            await self.set_aside(item.key, BadMessage(f"unexpected error reading it: {type(exc).__name__}"))
        return None

    async def settle(self, polled: Polled, outcomes: Sequence[Outcome]) -> None:
        box = await self._maildir()
        await asyncio.to_thread(box.settle, polled.reference)

    async def set_aside(self, reference: str, error: ChannelError) -> None:
        box = await self._maildir()
        await asyncio.to_thread(box.set_aside, reference, f"{type(error).__name__}: {error}")
        log.warning("mail set aside", channel=self.name, key=reference, reason=str(error))

    async def _maildir(self) -> MaildirBox:
        if self._box is None:
            self._box = await asyncio.to_thread(MaildirBox, self.config.require("maildir"))
        return self._box

    # --- replies ----------------------------------------------------------------------
    async def send(self, message: Outbound) -> None:
        try:
            mail = build_reply(message, self.config.require("from_address"))
            smtp = self._smtp()
        except SendFailed:
            raise
        except ChannelError as exc:  # a missing setting: retrying will not help
            raise SendFailed(str(exc), transient=False) from None
        await deliver(mail, smtp)

    def _smtp(self) -> SmtpSettings:
        return SmtpSettings(
            host=self.config.require("smtp_host"),
            port=_int_setting(self.config, "smtp_port", 25),
            user=self.config.get("smtp_user") or None,
            password=self.config.get("smtp_password") or None,
            starttls=_bool_setting(self.config, "smtp_starttls"),
            timeout=float(_int_setting(self.config, "smtp_timeout", 30)),
        )


def _int_setting(config: ChannelConfig, key: str, default: int) -> int:
    value = config.get(key)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise ChannelError(f"channel {config.name!r}: the setting {key} must be a positive whole number")
    return number


def _bool_setting(config: ChannelConfig, key: str) -> bool | None:
    value = (config.get(key) or "").strip().lower()
    if not value:
        return None
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise ChannelError(f"channel {config.name!r}: the setting {key} must be true or false")


__all__ = ["EmailChannel", "parse_message"]
