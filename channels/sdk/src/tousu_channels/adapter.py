"""The adapter a channel team writes: read a source's messages, send replies back."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, NoReturn

from pydantic import BaseModel

from tousu_channels.errors import ChannelError, SendFailed
from tousu_channels.model import ComplaintDraft, HttpIn, HttpOut, Outbound, Outcome
from tousu_channels.signing import verify_signed_request
from tousu_shared.plugin_config import PluginConfig


@dataclass(frozen=True)
class ChannelConfig(PluginConfig):
    """An adapter's settings: ``TOUSU_CHANNEL_<NAME>_<KEY>`` environment variables, or given in tests."""

    kind: ClassVar[str] = "CHANNEL"

    def missing(self, variable: str) -> NoReturn:
        raise ChannelError(f"channel {self.name!r} needs the setting {variable}")


@dataclass
class Polled:
    """One message a poller fetched, and how to settle it with the source once intake is done."""

    account: str
    reference: str
    drafts: Sequence[ComplaintDraft]


class ChannelAdapter(ABC):
    """Base of every channel. Override :meth:`parse`; the rest has working defaults.

    Webhook channels get ``POST /v1/channels/<name>/<account>`` (and ``GET`` for a
    handshake). Poller channels implement :meth:`poll`, :meth:`settle` and
    :meth:`set_aside`. Channels that can answer the complainant implement :meth:`send`.
    All methods must raise only :mod:`tousu_channels.errors` on bad input.
    """

    #: the entry point name, used in URLs, settings and ``TOUSU_CHANNELS``
    name: ClassVar[str]
    #: receives webhooks (POST /v1/channels/<name>/<account>)
    webhook: ClassVar[bool] = True
    #: fetches messages itself (an IMAP or maildir poller): implements poll/settle/set_aside
    poller: ClassVar[bool] = False
    #: can deliver :class:`Outbound` messages (acknowledgements, questions) to the complainant
    can_reply: ClassVar[bool] = False
    #: the JSON body it takes, if it takes JSON: documented in intake's OpenAPI (and fuzzed)
    body_model: ClassVar[type[BaseModel] | None] = None

    def __init__(self, config: ChannelConfig | None = None) -> None:
        self.config = config or ChannelConfig(self.name)

    # --- webhooks -------------------------------------------------------------------
    def verify(self, request: HttpIn, secret: str, now: float) -> None:
        """Raise :class:`Unauthorised` unless the account's secret signed the request.

        Default: ``Authorization: Bearer <key>`` or Tousu's HMAC signature headers.
        """
        verify_signed_request(request, secret, now)

    def handshake(self, request: HttpIn, secret: str, now: float) -> HttpOut:
        """Answer a ``GET`` the source sends to check the URL (WeChat's echostr). Default: 405."""
        return HttpOut(status=405, body=b'{"detail": "this channel takes POST only"}')

    def preview(self, request: HttpIn) -> HttpOut | None:
        """``POST …?preview=1``: answer without registering (a desk form's read-back). Default: none."""
        return None

    @abstractmethod
    def parse(self, request: HttpIn) -> list[ComplaintDraft]:
        """Read the complaints in one source message. Raise :class:`BadMessage` if unreadable."""

    def respond(self, request: HttpIn, outcomes: Sequence[Outcome]) -> HttpOut:
        """The immediate answer to the source, once every draft is registered.

        Default: JSON, 202 when something new was registered, else 200; one outcome as
        itself, several as ``{"outcomes": […]}``.
        """
        status = 202 if any(o.status == "received" for o in outcomes) else 200
        if len(outcomes) == 1:
            body: object = outcomes[0].model_dump(exclude_none=True)
        else:
            body = {"outcomes": [o.model_dump(exclude_none=True) for o in outcomes]}
        return HttpOut(status=status, body=json.dumps(body, ensure_ascii=False).encode())

    def refuse(self, request: HttpIn, status: int, detail: str) -> HttpOut:
        """How to say no (bad message 400, bad signature 401, too many 429). Default: JSON."""
        return HttpOut(status=status, body=json.dumps({"detail": detail}, ensure_ascii=False).encode())

    # --- pollers --------------------------------------------------------------------
    async def poll(self) -> AsyncIterator[Polled]:
        """Yield the messages waiting at the source. Only for ``poller = True``."""
        return
        yield  # an async generator that yields nothing

    async def settle(self, polled: Polled, outcomes: Sequence[Outcome]) -> None:
        """Intake has registered the message: mark it done at the source (move, flag, delete)."""
        return None

    async def set_aside(self, reference: str, error: ChannelError) -> None:
        """The message cannot be read: move it where an operator will look, so it is not lost."""
        return None

    # --- replies --------------------------------------------------------------------
    async def send(self, message: Outbound) -> None:
        """Deliver a message to the complainant. Raise :class:`SendFailed` on failure."""
        raise SendFailed(f"channel {self.name!r} cannot reply to complainants", transient=False)
