"""The HTTP/JSON channel: ``POST /v1/channels/http/<account>`` with a JSON complaint.

Used by the residents' APP, web forms and partner systems. Authenticated by the
account's API key (``Authorization: Bearer``) or HMAC signature (see the SDK's
``tousu_channels.signing``). A retried request with the same ``source_message_id``
(or ``Idempotency-Key`` header) creates no second complaint; without either, the body's
hash is the key, so resending the same body is safe too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from tousu_channels import (
    BadMessage,
    ChannelAdapter,
    ComplaintDraft,
    ContactDraft,
    Evidence,
    HttpIn,
    HttpOut,
    Outcome,
)
from tousu_channels.validation import describe_validation_error
from tousu_shared.contracts.events import Channel


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(default="application/octet-stream", max_length=100)
    data_base64: str


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 ()-]{4,24}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")


class ComplaintIn(BaseModel):
    """The request body (its JSON Schema is in intake's OpenAPI document)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    estate_id: str | None = Field(default=None, min_length=1, max_length=64)
    channel: Channel = Field(default=Channel.app, description="How the resident reached you")
    text: str = Field(min_length=1, description="What the resident says, as said")
    room: str | None = Field(default=None, max_length=40, description="Building-unit-room, e.g. 7-1-1103")
    location: str | None = Field(default=None, max_length=200)
    persons_involved: str | None = Field(default=None, max_length=200)
    occurred_at: AwareDatetime | None = None
    contact: ContactIn
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=10)
    source_message_id: str | None = Field(
        default=None, min_length=1, max_length=128, description="Your id for this message: retries are safe"
    )
    tenant_id: str | None = Field(default=None, description="Optional; must be the account's tenant")


class HttpJsonChannel(ChannelAdapter):
    name = "http"
    body_model = ComplaintIn

    def respond(self, request: HttpIn, outcomes: Sequence[Outcome]) -> HttpOut:
        """A list in, ``{"outcomes": […]}`` out, even for a list of one."""
        out = super().respond(request, outcomes)
        if request.body.lstrip()[:1] == b"[" and len(outcomes) == 1:
            body = {"outcomes": [outcomes[0].model_dump(exclude_none=True)]}
            return HttpOut(status=out.status, body=json.dumps(body, ensure_ascii=False).encode())
        return out

    def parse(self, request: HttpIn) -> list[ComplaintDraft]:
        try:
            raw: Any = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadMessage(f"body is not JSON: {exc}") from None
        items = raw if isinstance(raw, list) else [raw]
        if not items or len(items) > 100:
            raise BadMessage("send one complaint object, or a list of 1 to 100")
        key = request.header("idempotency-key")
        if key and len(items) > 1:
            raise BadMessage("Idempotency-Key is for a single complaint; give each one a source_message_id")
        if key is None and len(items) == 1:
            # No id given: the body itself is the key, so a retried request is still one complaint.
            key = "sha256:" + hashlib.sha256(request.body).hexdigest()[:40]
        return [self._draft(item, i, key) for i, item in enumerate(items)]

    def _draft(self, item: Any, index: int, key: str | None) -> ComplaintDraft:
        where = f"complaint {index}: " if index else ""
        try:
            body = ComplaintIn.model_validate(item)
            return ComplaintDraft(
                source_message_id=body.source_message_id or key or _key_of(item),
                channel=body.channel,
                text=body.text,
                estate_id=body.estate_id,
                room=body.room,
                location=body.location,
                persons_involved=body.persons_involved,
                occurred_at=body.occurred_at,
                contact=ContactDraft(**body.contact.model_dump()),
                evidence=tuple(_evidence(e) for e in body.evidence),
                tenant_hint=body.tenant_id,
            )
        except ValidationError as exc:
            raise BadMessage(where + describe_validation_error(exc)) from None


def _key_of(item: Any) -> str:
    canonical = json.dumps(item, ensure_ascii=False, sort_keys=True).encode()
    return "sha256:" + hashlib.sha256(canonical).hexdigest()[:40]


def _evidence(e: EvidenceIn) -> Evidence:
    try:
        data = base64.b64decode(e.data_base64, validate=True)
    except (binascii.Error, ValueError):
        raise BadMessage(f"evidence {e.filename!r}: data_base64 is not base64") from None
    return Evidence(filename=e.filename, content_type=e.content_type, data=data)


__all__ = ["ComplaintIn", "HttpJsonChannel"]
