"""Traces: one per complaint, from the HTTP request through every Kafka hop.

Configured from the standard OpenTelemetry environment, so an SRE sets it like any other
service: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``…_TRACES_ENDPOINT``) turns tracing on and
says where the collector is (OTLP over HTTP); ``OTEL_TRACES_SAMPLER`` / ``…_ARG`` sample;
``OTEL_RESOURCE_ATTRIBUTES`` adds pod and namespace; ``OTEL_SDK_DISABLED=true`` turns it off.
Without an endpoint nothing is recorded, but a ``traceparent`` that arrives is still passed
on, so one untraced service does not cut a trace in two.

How the context crosses Kafka (W3C trace context in message headers):

- whoever stages an event in the outbox writes the current ``traceparent`` into the row's
  headers (:func:`current_headers`);
- the relay publishes each row in a *publish* span, child of that context, and sends the
  publish span's own ``traceparent`` (:class:`PublishSpans`);
- a consumer applies each event in a *process* span, child of the message's context
  (:func:`process_span`); whatever its handler stages carries the chain on.

Personal data never leaves in a span: every exported attribute, event and status text is
masked by :class:`MaskingExporter`, and HTTP spans do not keep query strings.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from sqlalchemy.ext.asyncio import AsyncEngine

from tousu_shared.pii import mask_phones_in_text

TRACER_NAME = "tousu"
_ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")

#: headers that carry the trace context (W3C); nothing else of ours is propagated
TRACE_HEADERS = ("traceparent", "tracestate")

_provider: TracerProvider | None = None


def tracing_wanted(environ: Mapping[str, str] = os.environ) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(environ.get(name, "").strip() for name in _ENDPOINT_VARS)


def setup_tracing(
    service: str, exporter: SpanExporter | None = None, *, install_global: bool = True
) -> TracerProvider | None:
    """Turn tracing on for this process, once. ``exporter`` replaces OTLP; tests pass one
    with ``install_global=False`` and undo it with :func:`reset_tracing`."""
    global _provider
    if _provider is not None:
        return _provider
    if exporter is None:
        if not tracing_wanted():
            return None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    resource = Resource.create({"service.name": service, "service.namespace": "tousu"})
    provider = TracerProvider(resource=resource)  # the sampler comes from OTEL_TRACES_SAMPLER
    provider.add_span_processor(BatchSpanProcessor(MaskingExporter(exporter)))
    if install_global:
        trace.set_tracer_provider(provider)
    _provider = provider
    return provider


def reset_tracing() -> None:
    global _provider
    if _provider is not None:
        _provider.shutdown()
    _provider = None


def instrument_engine(engine: AsyncEngine) -> None:
    """Spans for the service's SQL statements (parameterised: values are not recorded).
    The instrumentor is process-wide and takes the first engine only; a service has one."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    instrumentor = SQLAlchemyInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        # Its declared range stops below SQLAlchemy 2.1; it hooks engine events that 2.1 keeps,
        # and the integration suite's trace test checks that database spans still arrive.
        instrumentor.instrument(engine=engine.sync_engine, tracer_provider=_provider, skip_dep_check=True)


def tracing_on() -> bool:
    return _provider is not None


def flush() -> None:
    """Export what is buffered (on graceful shutdown)."""
    if _provider is not None:
        _provider.force_flush(timeout_millis=5000)


def tracer() -> trace.Tracer:
    if _provider is not None:
        return _provider.get_tracer(TRACER_NAME)
    return trace.get_tracer(TRACER_NAME)  # no-op: passes a caller's context on, records nothing


def current_headers() -> dict[str, str]:
    """The current trace context as message headers (empty outside any trace)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {k: v for k, v in carrier.items() if k in TRACE_HEADERS}


def context_from(headers: Mapping[str, str]) -> otel_context.Context:
    return propagate.extract({k: headers[k] for k in TRACE_HEADERS if k in headers})


def record_headers(raw: Sequence[tuple[str, bytes]] | None) -> dict[str, str]:
    """The trace headers of a Kafka record."""
    return {
        k: v.decode("ascii", "replace") for k, v in raw or () if k in TRACE_HEADERS and isinstance(v, bytes)
    }


@contextmanager
def process_span(
    consumer: str, topic: str, headers: Mapping[str, str], attributes: Mapping[str, Any]
) -> Iterator[Span]:
    """A consumer applying one message, as the child of the span that published it."""
    with tracer().start_as_current_span(
        f"{topic} process",
        context=context_from(headers),
        kind=SpanKind.CONSUMER,
        attributes=_messaging("process", topic, {"messaging.consumer.group.name": consumer, **attributes}),
    ) as span:
        yield span


def _messaging(operation: str, topic: str, more: Mapping[str, Any]) -> dict[str, Any]:
    """OpenTelemetry's messaging attributes of a Kafka span."""
    return {
        "messaging.system": "kafka",
        "messaging.operation.type": operation,
        "messaging.destination.name": topic,
        **more,
    }


def mark_failed(span: Span, reason: str) -> None:
    span.set_status(Status(StatusCode.ERROR, reason))


class PublishSpans:
    """The relay's spans: one per outbox row that belongs to a trace, open until the broker
    acknowledged it, so the trace shows how long an event waited in the outbox."""

    def __init__(self) -> None:
        self._spans: list[Span] = []

    def start(self, topic: str, key: str, headers: dict[str, str]) -> dict[str, str]:
        """The headers to send: the row's, with the publish span as the new parent."""
        if not tracing_on() or "traceparent" not in headers:
            return headers
        span = tracer().start_span(
            f"{topic} publish",
            context=context_from(headers),
            kind=SpanKind.PRODUCER,
            attributes=_messaging("send", topic, {"messaging.kafka.message.key": key}),
        )
        self._spans.append(span)
        carrier = dict(headers)
        propagate.inject(carrier, context=trace.set_span_in_context(span))
        return carrier

    def end(self, error: BaseException | None = None) -> None:
        for span in self._spans:
            if error is not None:
                mark_failed(span, f"{type(error).__name__}: {error}")
            span.end()
        self._spans.clear()


@contextmanager
def batch_span(consumer: str, raw_headers: Sequence[Sequence[tuple[str, bytes]] | None]) -> Iterator[None]:
    """The batch's own work (the dedup lookup, the commit), linked to its messages' traces."""
    if not tracing_on():
        yield
        return
    contexts = (
        trace.get_current_span(context_from(record_headers(h))).get_span_context() for h in raw_headers
    )
    with tracer().start_as_current_span(
        f"{consumer} batch",
        kind=SpanKind.CONSUMER,
        links=[Link(ctx) for ctx in contexts if ctx.is_valid],
        attributes={
            "messaging.batch.message_count": len(raw_headers),
            "messaging.consumer.group.name": consumer,
        },
    ):
        yield


class MaskingExporter(SpanExporter):
    """Masks phone numbers in every text a span carries, then hands it to the real exporter."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([masked_span(s) for s in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


def masked_span(span: ReadableSpan) -> ReadableSpan:
    status = span.status
    if status.description:
        status = Status(status.status_code, _scrubbed(status.description))
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_masked(span.attributes),
        events=[Event(e.name, _masked(e.attributes), e.timestamp) for e in span.events],
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def _masked(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: _scrubbed(v) if isinstance(v, str) else v for k, v in (attributes or {}).items()}


def _scrubbed(text: str) -> str:
    """Phone numbers masked, and a database error's bound parameters (a name, a room) cut off."""
    head, _, _ = text.partition("[parameters:")
    return mask_phones_in_text(head)


def trace_ids() -> dict[str, str]:
    """The current trace and span id, for log lines (empty outside any trace)."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return {}
    return {"trace_id": format(ctx.trace_id, "032x"), "span_id": format(ctx.span_id, "016x")}


def http_tracing_plugin() -> Any | None:
    """Litestar's OpenTelemetry plugin: a server span per request, continuing the caller's
    ``traceparent``; health and metrics probes are not traced."""
    if _provider is None:
        return None
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin

    return OpenTelemetryPlugin(
        OpenTelemetryConfig(
            tracer_provider=_provider,
            exclude=["^/health", "^/metrics"],
            exclude_spans=["receive", "send"],
            server_request_hook_handler=_without_query,
        )
    )


def name_by_route(scope: Mapping[str, Any]) -> None:
    """Once the request is routed, name its server span by the route template
    (``POST /v1/complaints/{complaint_id}/contact``), not by the ids in the path: one name
    per route, and no account or case id in span names."""
    span = trace.get_current_span()
    template = scope.get("path_template")
    if template and span.is_recording():
        route = f"{scope.get('method', '')} {template}"
        span.update_name(route)
        span.set_attribute("http.route", route)


def _without_query(span: Span, scope: Mapping[str, Any]) -> None:
    """A query string may hold what a clerk searched for (a name, a phone): keep the path only."""
    if not span.is_recording():
        return
    path = str(scope.get("path", ""))
    span.set_attribute("http.target", path)
    span.set_attribute("url.path", path)
    attributes = getattr(span, "attributes", None) or {}
    for name in ("http.url", "url.full"):
        if name in attributes:
            span.set_attribute(name, str(attributes[name]).split("?", 1)[0])
    if "url.query" in attributes:
        span.set_attribute("url.query", "")
