"""A service's probes and operator endpoints before Kafka answers: readiness says what it waits
for (migrations not at head), /metrics is served, and an HTTP request continues its trace."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

from litestar import Litestar
from litestar.exceptions import LitestarDeprecationWarning
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tousu_shared.db.engine import make_engine
from tousu_shared.db.migrate import upgrade
from tousu_shared.runtime.service import build_app
from tousu_shared.settings import ServiceSettings
from tousu_shared.telemetry import tracing
from tousu_sla_monitor.app import SPEC

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def settings(tmp_path: Path, **kw: object) -> ServiceSettings:
    return ServiceSettings(
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}",
        kafka_bootstrap="127.0.0.1:1",  # nobody there
        **kw,  # type: ignore[arg-type]
    )


def quiet_build(tmp_path: Path, **kw: object) -> Litestar:
    with warnings.catch_warnings():
        # the routes declare parameters in the inferred style, as every service does so far
        warnings.simplefilter("ignore", LitestarDeprecationWarning)
        return build_app(SPEC, settings(tmp_path, **kw))


async def ready_detail(client: AsyncTestClient, want: str) -> str:  # type: ignore[type-arg]
    for _ in range(100):
        response = await client.get("/health/ready")
        assert response.status_code == 503
        if want in response.text:
            return str(response.json()["detail"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"readiness never said {want!r}: {response.text}")


async def test_without_the_migrations_job_a_service_is_not_ready_and_says_which_command(
    tmp_path: Path,
) -> None:
    app = quiet_build(tmp_path, auto_migrate=False)
    async with AsyncTestClient(app=app) as client:
        detail = await ready_detail(client, "migrations")
        assert "tousu db upgrade sla-monitor" in detail
        assert (await client.get("/health/live")).status_code == 200

        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
        await upgrade(engine, SPEC.migrations)  # what the Job does
        await engine.dispose()
        # now only Kafka is missing
        detail = await ready_detail(client, "KafkaConnectionError")
        assert "MigrationsPending" not in detail


async def test_metrics_are_served_while_the_service_starts(tmp_path: Path) -> None:
    app = quiet_build(tmp_path)
    async with AsyncTestClient(app=app) as client:
        await client.get("/health/ready")
        body = (await client.get("/metrics")).text
    assert "tousu_outbox_published_total" in body
    assert "tousu_consumer_events_total" in body


async def test_an_http_request_continues_the_caller_s_trace_without_its_query(
    tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    app = quiet_build(tmp_path)
    async with AsyncTestClient(app=app) as client:
        await client.get("/v1/cases/c-123/clocks?who=13812345678", headers={"traceparent": TRACEPARENT})
    tracing.flush()
    [server] = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert format(server.context.trace_id, "032x") == TRACEPARENT.split("-")[1]
    assert format(server.parent.span_id, "016x") == TRACEPARENT.split("-")[2]  # type: ignore[union-attr]
    assert server.name == "GET /v1/cases/{complaint_id}/clocks"  # the route, not the id
    assert "13812345678" not in str(dict(server.attributes or {}))
    assert "who=" not in str(dict(server.attributes or {}))
