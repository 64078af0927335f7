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
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from faststream.security import BaseSecurity
from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tousu_shared.admin_token import admin_token
from tousu_shared.clock import Clock, clock_from
from tousu_shared.contracts.topics import Topics
from tousu_shared.db.engine import make_engine, make_sessionmaker
from tousu_shared.delivery.consumer import Handler
from tousu_shared.delivery.errors import is_transient
from tousu_shared.delivery.relay import OutboxRelay
from tousu_shared.delivery.rows import Preload
from tousu_shared.identity.web import Identity
from tousu_shared.kafka_auth import kafka_security
from tousu_shared.logging import configure_logging, get_logger
from tousu_shared.regimes import REGIME_IDS, selected_regimes
from tousu_shared.runtime import lifecycle
from tousu_shared.runtime.lifecycle import Lifecycle
from tousu_shared.settings import ServiceSettings
from tousu_shared.telemetry import tracing
from tousu_shared.telemetry.metrics import PrometheusController, http_metrics
from tousu_shared.telemetry.sampler import ExtraSample

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
    #: tables keyed by complaint id that the handler looks rows up in: each batch reads
    #: them in one SELECT per table before its events are applied (see ``delivery/rows.py``)
    preloads: Sequence[type | Preload] = ()

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
    #: slow one-off loading (e.g. triage's dictionaries), run in a thread before "ready"
    warm_up: Callable[[], object] | None = None
    #: builds the service's own objects into ``Runtime.state`` (raise ValueError on bad settings)
    setup: Callable[[Runtime], None] | None = None
    #: the service's own gauges, read by the metrics sampler (the SLA monitor's due clocks)
    sample: ExtraSample | None = None


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
    #: who calls the HTTP API and what the policy lets them do
    identity: Identity | None = None
    #: the service's own Kafka credentials (None: plaintext)
    kafka_security: BaseSecurity | None = None
    relay: OutboxRelay | None = None
    ready: bool = False
    lifecycle: Lifecycle | None = None
    #: the service's own objects, put there by ``ServiceSpec.setup``
    state: dict[str, Any] = field(default_factory=dict)
    #: what ``setup`` adds from settings (intake: one outbound consumer per hosted channel)
    extra_subscriptions: list[Subscription] = field(default_factory=list)
    extra_writes: list[str] = field(default_factory=list)
    #: long-running jobs started once ready and cancelled on shutdown (intake: mailbox pollers)
    background: list[Callable[[Runtime], Coroutine[Any, Any, None]]] = field(default_factory=list)

    def all_subscriptions(self) -> list[Subscription]:
        return [*self.spec.subscriptions, *self.extra_subscriptions]


def build_app(
    spec: ServiceSpec, settings: ServiceSettings | None = None, clock: Clock | None = None
) -> Litestar:
    settings = settings or ServiceSettings()
    engine = make_engine(settings.database_url_for(spec.name))
    tracing.instrument_engine(engine)
    runtime = Runtime(
        spec=spec,
        settings=settings,
        clock=clock or clock_from(settings.clock_file),
        engine=engine,
        sessions=make_sessionmaker(engine),
        topics=Topics(settings.topic_prefix),
        regimes=selected_regimes(settings.regimes),
        identity=Identity.from_settings(settings.data_dir, admin_token(settings.data_dir)),
        kafka_security=kafka_security(settings),
    )
    if spec.setup is not None:
        spec.setup(runtime)
    http_tracing = tracing.http_tracing_plugin()
    return Litestar(
        route_handlers=[live, ready, PrometheusController, *spec.routes],
        middleware=[http_metrics(spec.name).middleware],
        plugins=[http_tracing] if http_tracing else [],
        lifespan=[_lifespan(runtime)],
        state=State({"runtime": runtime}),
        openapi_config=OpenAPIConfig(title=spec.title or f"Tousu {spec.name}", version="0.1.0"),
        request_max_body_size=settings.max_body_bytes,
        exception_handlers={HTTP_500_INTERNAL_SERVER_ERROR: _unexpected_error},
        before_request=_refuse_until_ready,
    )


def _lifespan(rt: Runtime) -> Callable[[Litestar], Any]:
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        rt.lifecycle = Lifecycle(rt)
        rt.lifecycle.start()
        try:
            yield
        finally:
            await rt.lifecycle.stop()
            await asyncio.to_thread(tracing.flush)  # export the spans still buffered

    return lifespan


async def _refuse_until_ready(request: Request[Any, Any, Any]) -> None:
    """Until migrations ran and Kafka answers, the API says so instead of failing half-way.

    And a NUL character in the path or query (no database stores it) is a 400 here. The
    request is routed by now: its trace span takes the route's name.
    """
    tracing.name_by_route(request.scope)
    url = f"{request.url.path}?{request.url.query}"
    if "\x00" in url or "%00" in url:
        raise HTTPException(status_code=400, detail="the URL contains a NUL character")
    rt = runtime_of(request)
    if not rt.ready and not request.url.path.startswith(("/health", "/schema", "/metrics")):
        status = rt.lifecycle.status if rt.lifecycle else "starting"
        raise HTTPException(
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"not ready: {status}",
            headers={"Retry-After": "2"},
        )


def runtime_of(request: Request[Any, Any, Any]) -> Runtime:
    return request.app.state.runtime


def identity_of(request: Request[Any, Any, Any]) -> Identity:
    identity = runtime_of(request).identity
    assert identity is not None, "build_app gives every runtime its identity"
    return identity


@get("/health/live", include_in_schema=False)
async def live() -> dict[str, str]:
    return {"status": "alive"}


@get("/health/ready", include_in_schema=False)
async def ready(request: Request[Any, Any, Any]) -> dict[str, str]:
    rt = runtime_of(request)
    if not rt.ready:
        status = rt.lifecycle.status if rt.lifecycle else "starting"
        raise HTTPException(status_code=HTTP_503_SERVICE_UNAVAILABLE, detail=status)
    try:
        async with rt.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)
    except Exception as exc:
        raise HTTPException(status_code=HTTP_503_SERVICE_UNAVAILABLE, detail=f"database: {exc}") from exc
    return {"status": "ready", "service": rt.spec.name}


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug or an outage: tell the client plainly. The database (or network) being away is
    an outage: 503 with Retry-After, so a channel knows to send the same message again (its
    idempotency key makes that safe); anything else is a bug: logged, 500."""
    if is_transient(exc):
        # every pooled connection busy past the pool's timeout: overload, not an outage
        busy = isinstance(exc, PoolTimeout)
        why = "too busy: no database connection came free" if busy else "the database is not answering"
        log.warning(f"refused: {why}", path=request.url.path, error=type(exc).__name__)
        return Response(
            {"status_code": 503, "detail": f"{why}; retry later"},
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "2"},
        )
    log.exception("unhandled error", path=request.url.path)
    return Response(
        {"status_code": 500, "detail": "internal error; nothing was saved"},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )


def serve(spec: ServiceSpec) -> None:
    """Entry point of a service process: ``tousu-<name>`` or ``tousu service run <name>``."""
    try:
        settings = ServiceSettings()
        configure_logging(spec.name, settings.log_level, settings.log_json)
        tracing.setup_tracing(spec.name)
        app = build_app(spec, settings)
    except (ValidationError, ValueError) as exc:
        print(f"tousu {spec.name}: bad settings: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the
    # handler that was there before it; make that one exit 0, so a clean stop reads as one.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(1 if lifecycle.startup_failed else 0))
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.port_for(spec.name),
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=int(settings.graceful_timeout_seconds),
    )
