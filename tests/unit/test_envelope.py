from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from tousu_shared.contracts.envelope import Envelope, EnvelopeError, decode_envelope
from tousu_shared.contracts.events import Channel, ComplaintReceived, MaskedContact, WorkOrderCreated
from tousu_shared.contracts.schemas import all_schemas, render

NOW = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)


def received() -> Envelope:
    payload = ComplaintReceived(
        regime="community-standard",
        channel=Channel.phone,
        text="电梯困人",
        room="3-1-1201",
        contact=MaskedContact(name="王**", phone="138****5678"),
        received_at=NOW,
    )
    return Envelope.new(payload=payload, occurred_at=NOW, tenant_id="t1", estate_id="e1", complaint_id="c1")


def test_round_trip_keeps_every_field() -> None:
    env = received()
    assert decode_envelope(env.to_bytes()) == env
    assert env.correlation_id == env.event_id and env.causation_id is None


def test_caused_events_carry_the_chain() -> None:
    first = received()
    second = Envelope.new(
        payload=WorkOrderCreated(work_order_id="w1", department="engineering", category="facility"),
        occurred_at=NOW,
        tenant_id="t1",
        estate_id="e1",
        complaint_id="c1",
        caused_by=first,
    )
    assert second.correlation_id == first.correlation_id
    assert second.causation_id == first.event_id
    assert (second.type, second.schema_version) == ("WorkOrderCreated", 1)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"\x00\xff", "not a Tousu envelope"),
        (b"[1, 2]", "not a Tousu envelope"),
        (b'{"type": "ComplaintReceived"}', "event_id: Field required"),
    ],
)
def test_unreadable_messages_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeError, match=reason):
        decode_envelope(raw)


def test_unknown_type_and_bad_payload_are_refused() -> None:
    doc = orjson.loads(received().to_bytes())
    with pytest.raises(EnvelopeError, match="unknown event type 'ComplaintEaten' v1"):
        decode_envelope(orjson.dumps({**doc, "type": "ComplaintEaten"}))
    with pytest.raises(EnvelopeError, match="unknown event type 'ComplaintReceived' v9"):
        decode_envelope(orjson.dumps({**doc, "schema_version": 9}))
    with pytest.raises(EnvelopeError, match="payload: text"):
        decode_envelope(orjson.dumps({**doc, "payload": {**doc["payload"], "text": 5}}))


def test_naive_timestamps_are_refused() -> None:
    doc = orjson.loads(received().to_bytes())
    with pytest.raises(EnvelopeError, match="occurred_at"):
        decode_envelope(orjson.dumps({**doc, "occurred_at": "2026-09-30T10:00:00"}))


def test_exported_schemas_match_the_snapshots() -> None:
    """An incompatible contract change must show up here; `tousu contracts export` updates them."""
    snapshots = Path(__file__).parents[2] / "shared" / "schemas"
    current = all_schemas()
    assert sorted(p.name for p in snapshots.glob("*.json")) == sorted(current)
    for name, schema in current.items():
        assert (snapshots / name).read_text(encoding="utf-8") == render(schema), name
