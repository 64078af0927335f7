"""Traces across the outbox and Kafka, masked; metrics of a consumer; trace ids in logs."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr

import orjson
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.unit.test_delivery import FakeProducer, event, outbox, processor, record, sessions
from tousu_shared.clock import VirtualClock
from tousu_shared.delivery.relay import OutboxRelay
from tousu_shared.logging import configure_logging, get_logger
from tousu_shared.telemetry import tracing

__all__ = ["sessions"]  # the fixture, shared with test_delivery

UPSTREAM_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
UPSTREAM_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{UPSTREAM_TRACE}-{UPSTREAM_SPAN}-01"


def finished(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    tracing.flush()
    return list(exporter.get_finished_spans())


def traced_record(offset: int, complaint: str = "c1") -> object:
    rec = record(event(complaint), offset)
    rec.headers.append(("traceparent", TRACEPARENT.encode()))
    return rec


async def test_a_consumed_message_continues_its_trace_through_the_outbox_and_the_relay(
    sessions: async_sessionmaker[AsyncSession], spans: InMemorySpanExporter
) -> None:
    await processor(sessions).process([traced_record(0)])

    [row] = await outbox(sessions, "echo")
    staged = orjson.loads(row.headers)["traceparent"]
    process = next(s for s in finished(spans) if s.name == "workorders.events process")
    assert process.kind == SpanKind.CONSUMER
    assert format(process.context.trace_id, "032x") == UPSTREAM_TRACE
    assert format(process.parent.span_id, "016x") == UPSTREAM_SPAN  # type: ignore[union-attr]
    assert process.attributes["tousu.complaint_id"] == "c1"  # type: ignore[index]
    assert staged == f"00-{UPSTREAM_TRACE}-{format(process.context.span_id, '016x')}-01"

    producer = FakeProducer()
    await OutboxRelay(sessions, producer, VirtualClock(event("x").occurred_at), postgres=False).drain()
    publish = next(s for s in finished(spans) if s.name == "echo publish")
    assert publish.kind == SpanKind.PRODUCER
    assert publish.parent.span_id == process.context.span_id  # type: ignore[union-attr]
    # the next consumer's parent is the publish span
    assert producer.headers[0]["traceparent"].split("-")[2] == format(publish.context.span_id, "016x")


async def test_without_tracing_a_trace_is_still_passed_on(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert not tracing.tracing_on()
    await processor(sessions).process([traced_record(0)])
    [row] = await outbox(sessions, "echo")
    assert orjson.loads(row.headers)["traceparent"] == TRACEPARENT  # no span of ours in between


async def test_a_message_without_a_trace_stages_none(sessions: async_sessionmaker[AsyncSession]) -> None:
    await processor(sessions).process([record(event("c1"), 0)])
    [row] = await outbox(sessions, "echo")
    assert "traceparent" not in orjson.loads(row.headers)


async def test_a_dead_lettered_message_keeps_its_trace_and_its_span_says_why(
    sessions: async_sessionmaker[AsyncSession], spans: InMemorySpanExporter
) -> None:
    async def refuse(*_: object) -> None:
        raise ValueError("resident 13812345678 unknown")

    await processor(sessions, refuse, max_attempts=1).process([traced_record(3)])
    [dead] = await outbox(sessions, "workorders.events.dlq")
    assert orjson.loads(dead.headers)["traceparent"] == TRACEPARENT
    # the optimistic pass over the batch, rolled back; then the careful one, which gave up
    attempt, process = [s for s in finished(spans) if s.name == "workorders.events process"]
    assert attempt.status.status_code == StatusCode.UNSET
    assert [e.name for e in attempt.events] == ["rolled back; applied again event by event"]
    assert process.status.status_code == StatusCode.ERROR
    assert process.status.description == "dead-lettered: ValueError"


def test_spans_leave_with_phone_numbers_masked_and_sql_parameters_cut() -> None:
    inner = InMemorySpanExporter()
    tracing.setup_tracing("unit", inner, install_global=False)
    try:
        with tracing.tracer().start_as_current_span(
            "register", attributes={"note": "call 13812345678"}
        ) as span:
            span.add_event(
                "exception",
                {"exception.message": "IntegrityError [parameters: ('张三', '13812345678', '3-1-502')]"},
            )
            span.set_status(Status(StatusCode.ERROR, "caller 13812345678 hung up"))
        [exported] = finished(inner)
    finally:
        tracing.reset_tracing()
    text = json.dumps(
        [
            dict(exported.attributes or {}),
            dict(exported.events[0].attributes or {}),
            exported.status.description,
        ],
        ensure_ascii=False,
    )
    assert "13812345678" not in text and "张三" not in text and "3-1-502" not in text
    assert "138****5678" in text


async def test_a_batch_is_counted_by_outcome(sessions: async_sessionmaker[AsyncSession]) -> None:
    def counted(outcome: str) -> float:
        return (
            REGISTRY.get_sample_value("tousu_consumer_events_total", {"consumer": "test", "outcome": outcome})
            or 0
        )

    before = {o: counted(o) for o in ("applied", "duplicate", "dead_lettered")}
    once = event("c1")
    batch = [record(once, 0), record(once, 1), record(b"{broken", 2)]
    await processor(sessions).process(batch)
    assert {o: counted(o) - before[o] for o in before} == {"applied": 1, "duplicate": 1, "dead_lettered": 1}
    assert (
        REGISTRY.get_sample_value(
            "tousu_dead_lettered_total", {"consumer": "test", "topic": "workorders.events"}
        )
        or 0
    ) >= 1


def test_a_log_line_inside_a_span_names_its_trace(spans: InMemorySpanExporter) -> None:
    configure_logging("unit", "INFO", json=True)
    err = io.StringIO()
    with redirect_stderr(err), tracing.tracer().start_as_current_span("work") as span:
        get_logger("unit").info("working", phone="13812345678")
    [line] = [json.loads(t) for t in err.getvalue().splitlines() if '"working"' in t]
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["phone"] == "138****5678"
    assert trace.get_current_span().get_span_context().is_valid is False
