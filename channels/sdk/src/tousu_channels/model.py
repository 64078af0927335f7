"""What flows between a channel adapter and intake's core.

An adapter turns a source's message into :class:`ComplaintDraft` objects; intake decides
what becomes of each (:class:`Outcome`) and later asks the adapter to deliver
:class:`Outbound` messages (acknowledgements, rejections, clarification questions).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from tousu_shared.clean import CleanModel
from tousu_shared.contracts.events import Channel

_FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Evidence(CleanModel):
    """A photo, recording or document the complainant sent (an e-mail attachment, a WeChat image)."""

    model_config = _FROZEN

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(default="application/octet-stream", max_length=100)
    data: bytes = Field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class ContactDraft(CleanModel):
    """How to reach the complainant. Personal data: intake keeps it in its vault only."""

    model_config = _FROZEN

    name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 ()-]{4,24}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    #: the channel's own address for replies (a WeChat openid, an app user id); not shown to staff
    reply_to: str | None = Field(default=None, max_length=254)

    def reachable(self) -> bool:
        return bool(self.phone or self.email or self.reply_to)


class ComplaintDraft(CleanModel):
    """One complaint as the channel read it: the fields of the registration form (登记表)."""

    model_config = _FROZEN

    source_message_id: str = Field(
        min_length=1, max_length=128, description="The source's message id: the idempotency key"
    )
    channel: Channel
    text: str = Field(description="What the complainant says, as said")
    estate_id: str | None = Field(default=None, max_length=64, description="None: the account's estate")
    room: str | None = Field(default=None, max_length=40, description="Building-unit-room, e.g. 7-1-1103")
    location: str | None = Field(default=None, max_length=200, description="Where it happens")
    persons_involved: str | None = Field(default=None, max_length=200)
    occurred_at: AwareDatetime | None = Field(default=None, description="When it happened, if said")
    contact: ContactDraft = Field(default_factory=ContactDraft)
    evidence: tuple[Evidence, ...] = ()
    #: staff id of the clerk who registered a phone or on-site complaint
    registered_by: str | None = Field(default=None, max_length=64)
    #: the complainant confirmed the read-back of what was recorded (001: 复述 … 核对无误)
    confirmed: bool = False
    #: the tenant the source names, if any: intake refuses it unless it is the account's
    tenant_hint: str | None = Field(default=None, max_length=64)

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text is empty")
        return v


class HttpIn(BaseModel):
    """A webhook request as an adapter sees it: no framework types, easy to build in tests."""

    model_config = ConfigDict(frozen=True)

    method: str = "POST"
    path: str = "/"
    query: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict, description="lower-case names")
    body: bytes = b""
    received_at: datetime | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class HttpOut(BaseModel):
    """The adapter's answer to the source (e.g. WeChat's passive reply XML)."""

    model_config = ConfigDict(frozen=True)

    status: int = 200
    content_type: str = "application/json"
    body: bytes | str = b""


OutcomeStatus = Literal["received", "duplicate", "linked", "rejected", "answer"]


class Outcome(BaseModel):
    """What intake did with one draft, for the adapter's immediate reply."""

    model_config = ConfigDict(frozen=True)

    source_message_id: str
    status: OutcomeStatus
    complaint_id: str | None = None
    regime: str | None = None
    #: the complaint this one duplicates, repeats or answers
    related_to: str | None = None
    reason: str | None = Field(default=None, description="rejection reason id, e.g. no_contact")
    message: str = Field(description="What to tell the complainant, in Chinese")


OutboundKind = Literal["received", "rejected", "clarify", "update", "survey"]


class Outbound(BaseModel):
    """A message intake asks the channel to deliver to a complainant."""

    model_config = ConfigDict(frozen=True)

    message_id: str = Field(description="Unique per message: lets a sender drop its own retries")
    complaint_id: str
    kind: OutboundKind
    text: str
    questions: tuple[str, ...] = ()
    account: str
    #: the complainant's address, resolved from intake's vault just before sending
    address: ContactDraft
    #: the complainant's message this answers (its ``source_message_id``), for threading
    in_reply_to: str | None = None
