"""One place where a service is wired: settings, database, migrations, Kafka, HTTP.

A service declares a :class:`ServiceSpec` (its name, migrations, subscriptions and HTTP
routes); :func:`build_app` turns it into a Litestar application whose lifespan starts
the outbox relay and the subscribers, and stops them gracefully on SIGTERM: stop
polling, let in-flight batches finish and commit, publish what is committed.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tousu_shared.clock import Clock, SystemClock
from tousu_shared.contracts.topics import Topics
from tousu_shared.db.engine import is_postgres, make_engine, make_sessionmaker
from tousu_shared.db.migrate import upgrade
from tousu_shared.delivery.consumer import BatchProcessor, Handler
from tousu_shared.delivery.relay import OutboxRelay
from tousu_shared.kafka import ensure_topics, make_broker, make_producer, subscribe_batch
from tousu_shared.logging import configure_logging, get_logger
from tousu_shared.regimes import REGIME_IDS, selected_regimes
from tousu_shared.settings import ServiceSettings

log = get_logger(__name__)

TopicsFor = Callable[[Topics, list[str]], list[str]]


@dataclass(frozen=True)
class Subscription:
    """A consumer group of this service: which topics, and the handler for their events."""

    consumer: str
    topics: TopicsFor
    handler: Handler
    #: one consumer group per regime selection (triage deploys one per regime)
    group_per_regime: bool = False

    def name_for(self, regimes: list[str]) -> str:
        if self.group_per_regime and set(regimes) != set(REGIME_IDS):
            return f"{self.consumer}.{'+'.join(sorted(regimes))}"
        return self.consumer


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    migrations: str  # package holding the alembic scripts, e.g. "tousu_intake.migrations"
    writes: TopicsFor
    subscriptions: Sequence[Subscription] = ()
    routes: Sequence[Any] = ()
    title: str = ""


@dataclass
class Runtime:
    """What handlers and routes reach through ``app.state.runtime``."""

    spec: ServiceSpec
    settings: ServiceSettings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    topics: Topics
    regimes: list[str]
    relay: OutboxRelay | None = None
    ready: bool = False
    processors: list[BatchProcessor] = field(default_factory=list)


def build_app(
    spec: ServiceSpec, settings: ServiceSettings | None = None, clock: Clock | None = None
) -> Litestar:
    settings = settings or ServiceSettings()
    engine = make_engine(settings.database_url_for(spec.name))
    runtime = Runtime(
        spec=spec,
        settings=settings,
        clock=clock or SystemClock(),
        engine=engine,
        sessions=make_sessionmaker(engine),
        topics=Topics(settings.topic_prefix),
        regimes=selected_regimes(settings.regimes),
    )
    return Litestar(
        route_handlers=[live, ready, *spec.routes],
        lifespan=[_lifespan(runtime)],
        state=State({"runtime": runtime}),
        openapi_config=OpenAPIConfig(title=spec.title or f"Tousu {spec.name}", version="0.1.0"),
        request_max_body_size=settings.max_body_bytes,
        exception_handlers={HTTP_500_INTERNAL_SERVER_ERROR: _unexpected_error},
    )


def _lifespan(rt: Runtime) -> Callable[[Litestar], Any]:
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        s = rt.settings
        if s.auto_migrate:
            await upgrade(rt.engine, rt.spec.migrations)
        written = rt.spec.writes(rt.topics, rt.regimes)
        read = [t for sub in rt.spec.subscriptions for t in sub.topics(rt.topics, rt.regimes)]
        dlqs = [Topics.dlq(t) for t in read]
        await ensure_topics(s.kafka_bootstrap, [*written, *read, *dlqs], s.topic_partitions)
        producer = make_producer(s.kafka_bootstrap)
        await producer.start()
        rt.relay = OutboxRelay(
            rt.sessions,
            producer,
            rt.clock,
            postgres=is_postgres(rt.engine),
            batch_size=s.relay_batch_size,
            poll_seconds=s.relay_poll_seconds,
            keep_seconds=s.outbox_keep_seconds,
        )
        rt.relay.start()
        broker = make_broker(s.kafka_bootstrap, s.graceful_timeout_seconds)
        for sub in rt.spec.subscriptions:
            consumer = sub.name_for(rt.regimes)
            processor = BatchProcessor(
                consumer,
                rt.sessions,
                sub.handler,
                rt.clock,
                rt.topics,
                max_attempts=s.consumer_max_attempts,
                on_committed=rt.relay.wake,
            )
            rt.processors.append(processor)
            subscribe_batch(
                broker,
                sub.topics(rt.topics, rt.regimes),
                s.group_id(consumer),
                processor,
                s.consumer_max_records,
            )
        if rt.spec.subscriptions:
            await broker.start()
        rt.ready = True
        log.info("service started", regimes=rt.regimes, topics_read=read, topics_written=written)
        try:
            yield
        finally:
            rt.ready = False
            log.info("service stopping")
            await broker.stop()  # stops polling; waits up to graceful_timeout for in-flight batches
            await rt.relay.stop()  # publishes what is committed
            await producer.stop()
            await rt.engine.dispose()
            log.info("service stopped")

    return lifespan


def runtime_of(request: Request[Any, Any, Any]) -> Runtime:
    return request.app.state.runtime


@get("/health/live", include_in_schema=False)
async def live() -> dict[str, str]:
    return {"status": "alive"}


@get("/health/ready", include_in_schema=False)
async def ready(request: Request[Any, Any, Any]) -> dict[str, str]:
    rt = runtime_of(request)
    if not rt.ready:
        raise HTTPException(status_code=HTTP_503_SERVICE_UNAVAILABLE, detail="starting or stopping")
    try:
        async with rt.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)
    except Exception as exc:
        raise HTTPException(status_code=HTTP_503_SERVICE_UNAVAILABLE, detail=f"database: {exc}") from exc
    return {"status": "ready", "service": rt.spec.name}


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug or an outage: log it, and tell the client plainly; transactions were rolled back."""
    log.exception("unhandled error", path=request.url.path)
    return Response(
        {"status_code": 500, "detail": "internal error; nothing was saved"},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )


def serve(spec: ServiceSpec) -> None:
    """Entry point of a service process: ``tousu-<name>`` or ``tousu service run <name>``."""
    settings = ServiceSettings()
    configure_logging(spec.name, settings.log_level, settings.log_json)
    app = build_app(spec, settings)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the
    # handler that was there before it; make that one exit 0, so a clean stop reads as one.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(0))
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.port_for(spec.name),
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=int(settings.graceful_timeout_seconds),
    )
