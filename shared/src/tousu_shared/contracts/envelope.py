"""The envelope every Kafka message of Tousu travels in.

Consumers decode the envelope, then validate the payload against the model registered
for ``(type, schema_version)``; an unknown pair or a payload that does not match is an
:class:`EnvelopeError`, which sends the message to the DLQ.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from tousu_shared.ids import new_id
from tousu_shared.validation import describe_validation_error


class EnvelopeError(ValueError):
    """A message that cannot be read as a Tousu event."""


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: str = Field(min_length=1, max_length=64, description="ULID, unique per event")
    type: str = Field(min_length=1, max_length=100, description="Past tense: ComplaintReceived")
    schema_version: int = Field(ge=1)
    occurred_at: AwareDatetime
    tenant_id: str = Field(min_length=1, max_length=64, description="The property group")
    estate_id: str = Field(min_length=1, max_length=64)
    complaint_id: str = Field(min_length=1, max_length=64, description="Also the Kafka key")
    correlation_id: str = Field(min_length=1, max_length=64)
    causation_id: str | None = Field(default=None, max_length=64)
    payload: dict[str, Any]

    @classmethod
    def new(
        cls,
        *,
        payload: BaseModel,
        occurred_at: datetime,
        tenant_id: str,
        estate_id: str,
        complaint_id: str,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        """A new event; ``caused_by`` links it into the causal chain of an earlier one."""
        from tousu_shared.contracts.events import type_of

        event_type, version = type_of(type(payload))
        event_id = new_id()
        return cls(
            event_id=event_id,
            type=event_type,
            schema_version=version,
            occurred_at=occurred_at,
            tenant_id=tenant_id,
            estate_id=estate_id,
            complaint_id=complaint_id,
            correlation_id=caused_by.correlation_id if caused_by else event_id,
            causation_id=caused_by.event_id if caused_by else None,
            payload=payload.model_dump(mode="json"),
        )

    def follow_up(self, payload: BaseModel, occurred_at: datetime) -> Envelope:
        """The next event of the same case, caused by this one."""
        return Envelope.new(
            payload=payload,
            occurred_at=occurred_at,
            tenant_id=self.tenant_id,
            estate_id=self.estate_id,
            complaint_id=self.complaint_id,
            caused_by=self,
        )

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    def typed_payload(self) -> Any:
        """The payload as its registered model (validated)."""
        from tousu_shared.contracts.events import payload_model

        model = payload_model(self.type, self.schema_version)
        try:
            return model.model_validate(self.payload)
        except ValidationError as exc:
            raise EnvelopeError(f"{self.type} v{self.schema_version} payload: {_brief(exc)}") from exc


def decode_envelope(raw: bytes | None) -> Envelope:
    """Parse and validate an envelope and its payload; raise EnvelopeError with a clear reason."""
    if not raw:
        raise EnvelopeError("empty message")
    try:
        envelope = Envelope.model_validate_json(raw)
    except ValidationError as exc:
        raise EnvelopeError(f"not a Tousu envelope: {_brief(exc)}") from exc
    envelope.typed_payload()
    return envelope


def _brief(exc: ValidationError) -> str:
    return describe_validation_error(exc, limit=5, whole="(message)")
