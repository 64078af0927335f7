"""Message contracts: the envelope, the event payloads, topic names and JSON Schema export."""

from tousu_shared.contracts.envelope import Envelope, EnvelopeError, decode_envelope
from tousu_shared.contracts.events import EVENT_TYPES, payload_model
from tousu_shared.contracts.topics import Topics

__all__ = ["EVENT_TYPES", "Envelope", "EnvelopeError", "Topics", "decode_envelope", "payload_model"]
