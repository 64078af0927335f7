"""A whole Tousu stack for integration tests: six real service processes on a real
Kafka broker, each with its own PostgreSQL database, isolated by a topic prefix."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from ulid import ULID

from tests.integration.spans import SpanCollector
from tousu_cli.dlq import dlq_counts
from tousu_shared.contracts.case_events import ACTION_EVENTS
from tousu_shared.identity.local_issuer import issue
from tousu_shared.kafka_offsets import OffsetReader
from tousu_shared.settings import ServiceSettings

SERVICES = ("intake", "triage", "dispatch", "sla-monitor", "callback", "archive")
ADMIN_TOKEN = "integration-admin-token-0123456789"


def kafka_bootstrap() -> str:
    return os.environ.get("TOUSU_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


def admin_database_url() -> str:
    return os.environ.get("TOUSU_TEST_DATABASE_URL", "postgresql+asyncpg://tousu@127.0.0.1:25432/postgres")


def require_servers() -> None:
    """Fail loudly when the broker or database is missing: these tests never skip."""
    for what, host_port in (
        ("Kafka", kafka_bootstrap()),
        ("PostgreSQL", f"{make_url(admin_database_url()).host}:{make_url(admin_database_url()).port}"),
    ):
        host, port = host_port.rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=3).close()
        except OSError as exc:
            raise RuntimeError(
                f"{what} is not answering on {host_port} ({exc}). Run the suite with `make test` "
                "(tests/chaos with `make chaos`), which starts a real broker and database."
            ) from None


_GIVEN: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now, and not handed out before in this run (the OS may give
    a just-closed port twice, and two services of one stack would then race for it)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port


#: where a test's stand-in for a group's own identity provider listens (test_console_browser
#: starts it); every stack's services trust it, for the group SSO_TENANT alone, as a
#: deployment's TOUSU_IDENTITY_ISSUERS would
IDENTITY_PROVIDER_PORT = free_port()
IDENTITY_PROVIDER = f"http://127.0.0.1:{IDENTITY_PROVIDER_PORT}"
SSO_TENANT = "sso-group"


def identity_provider_env() -> dict[str, str]:
    trusted = [{"issuer": IDENTITY_PROVIDER, "tenant": SSO_TENANT, "jwks_url": f"{IDENTITY_PROVIDER}/jwks"}]
    return {"TOUSU_IDENTITY_ISSUERS": orjson.dumps(trusted).decode()}


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    service: str = ""  # which service's code runs (default: name); deployments share one

    def __post_init__(self) -> None:
        self.service = self.service or self.name

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **extra_env: str) -> None:
        module = "tousu_" + self.service.replace("-", "_")
        log = self.log_path.open("ab")
        env = {**self.env, **extra_env}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module], env=env, stdout=log, stderr=subprocess.STDOUT
        )

    async def wait_exit(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        assert self.proc is not None
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} still running after {timeout} s")
            await asyncio.sleep(0.1)
        return self.proc.returncode

    def log_count(self, needle: str) -> int:
        return self.log_path.read_text(errors="replace").count(needle)

    def kill(self, sig: int = signal.SIGKILL) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=60)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Stack:
    prefix: str
    workdir: Path
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    engines: dict[str, AsyncEngine] = field(default_factory=dict)
    #: tenant → (http channel account, its API key), made by :func:`add_tenant`
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: settings every service of the stack gets (e.g. a shared virtual clock file)
    common_env: dict[str, str] = field(default_factory=dict)
    #: where the services export their spans
    collector: SpanCollector | None = None
    #: one vault for every intake deployment of the stack (they share intake's database)
    vault_env: dict[str, str] = field(
        default_factory=lambda: {
            "TOUSU_VAULT_KEYS": Fernet.generate_key().decode(),
            "TOUSU_VAULT_INDEX_KEY": Fernet.generate_key().decode(),
        }
    )

    @property
    def topic_prefix(self) -> str:
        return f"{self.prefix}."

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    def person(self, subject: str, tenant: str, *roles: str) -> dict[str, str]:
        """The Authorization header of a person of ``tenant`` holding ``roles`` (role@estate),
        from the local issuer every service of this stack trusts."""
        return {"authorization": f"Bearer {issue(self.data_dir, subject, tenant, roles)}"}

    def url(self, service: str) -> str:
        return self.services[service].url

    async def start(
        self,
        names: Iterable[str] = SERVICES,
        deployments: dict[str, tuple[str, dict[str, str]]] | None = None,
    ) -> None:
        """Start ``names`` (one deployment each), plus ``deployments``: name → (service, env),
        e.g. ``{"triage-prm": ("triage", {"TOUSU_REGIMES": "property-role-matrix"})}``."""
        deployments = deployments or {}
        names = [*names, *deployments]
        admin = create_async_engine(admin_database_url(), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                for name in names:
                    if "TOUSU_DATABASE_URL" not in deployments.get(name, ("", {}))[1]:
                        await conn.execute(text(f'CREATE DATABASE "{self._db(name)}"'))
        finally:
            await admin.dispose()
        for name in names:
            # the default intake deployment hosts the HTTP and desk channels; others get their own
            service, extra_env = deployments.get(
                name, (name, {"TOUSU_CHANNELS": "http,desk"} if name == "intake" else {})
            )
            db_url = make_url(admin_database_url()).set(database=self._db(name))
            # a deployment of a service shares that service's database (intake's channels do)
            url = extra_env.get("TOUSU_DATABASE_URL") or db_url.render_as_string(hide_password=False)
            if "TOUSU_DATABASE_URL" not in extra_env:
                # pre-ping: the test's own queries outlive a database restart (the chaos run)
                self.engines[name] = create_async_engine(url, pool_size=2, pool_pre_ping=True)
            env = {
                **os.environ,
                "TOUSU_KAFKA_BOOTSTRAP": kafka_bootstrap(),
                "TOUSU_DATABASE_URL": url,
                "TOUSU_TOPIC_PREFIX": self.topic_prefix,
                "TOUSU_HTTP_PORT": str(free_port()),
                "TOUSU_LOG_LEVEL": "INFO",
                "TOUSU_ADMIN_TOKEN": ADMIN_TOKEN,
                # one data folder per stack: its services trust one local token issuer
                "TOUSU_DATA_DIR": str(self.data_dir),
                **self.vault_env,
                **self.common_env,
                **extra_env,
            }
            self.services[name] = ServiceProcess(
                name, int(env["TOUSU_HTTP_PORT"]), env, self.workdir / f"{name}.log", service=service
            )
            self.services[name].start()
        await asyncio.gather(*(self.wait_ready(n) for n in names))

    async def wait_ready(self, name: str, timeout: float = 180) -> None:
        svc = self.services[name]
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if svc.proc and svc.proc.poll() is not None:
                    raise RuntimeError(f"{name} exited ({svc.proc.returncode}):\n{svc.log_tail()}")
                try:
                    r = await client.get(f"{svc.url}/health/ready")
                    if r.status_code == 200:
                        # the port's answer must be this service's: another process may hold it
                        if r.json().get("service") != svc.service:
                            raise RuntimeError(
                                f"{name}: port {svc.port} answered as {r.text}:\n{svc.log_tail()}"
                            )
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{name} not ready after {timeout} s:\n{svc.log_tail()}")

    async def restart(self, name: str, **extra_env: str) -> None:
        self.services[name].start(**extra_env)
        await self.wait_ready(name)

    async def stop(self) -> None:
        for svc in self.services.values():
            if svc.proc and svc.proc.poll() is None:
                svc.proc.send_signal(signal.SIGTERM)
        for svc in self.services.values():
            if svc.proc:
                try:
                    svc.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    svc.proc.kill()
        for engine in self.engines.values():
            await engine.dispose()
        admin = create_async_engine(admin_database_url(), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                for name in self.services:
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{self._db(name)}" WITH (FORCE)'))
        finally:
            await admin.dispose()

    async def scalar(self, service: str, sql: str, **params: Any) -> Any:
        async with self.engines[service].connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def rows(self, service: str, sql: str, **params: Any) -> list[Any]:
        async with self.engines[service].connect() as conn:
            return list((await conn.execute(text(sql), params)).all())

    def _db(self, service: str) -> str:
        return f"{self.prefix}_{service.replace('-', '_')}"


@asynccontextmanager
async def running_stack(
    workdir: Path, tag: str, env: dict[str, str] | None = None, **start: Any
) -> AsyncIterator[Stack]:
    """A stack on its own topic prefix, started (``start`` goes to ``Stack.start``), then stopped;
    ``env`` is given to every service."""
    require_servers()
    collector = SpanCollector().start()
    stack = Stack(
        prefix=f"{tag}{str(ULID()).lower()[-10:]}",
        workdir=workdir,
        common_env={**telemetry_env(collector), **identity_provider_env(), **(env or {})},
        collector=collector,
    )
    try:
        await stack.start(**start)
        yield stack
    finally:
        await stack.stop()
        collector.stop()


def telemetry_env(collector: SpanCollector) -> dict[str, str]:
    """Traces to the stack's own OTLP receiver, sampled as in production: 2 % of what starts
    here, and every request whose caller sampled its trace (a test sends a ``traceparent``)."""
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.02",
        "OTEL_BSP_SCHEDULE_DELAY": "500",
        "TOUSU_METRICS_SAMPLE_SECONDS": "2",
    }


ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}


async def start_channel_deployment(stack: Stack, channel: str, env: dict[str, str]) -> str:
    """An intake deployment of its own hosting only ``channel`` (with its ``env``), on
    intake's database, so idempotency and the vault hold across deployments; its name."""
    name = f"intake-{channel}"
    intake_db = stack.engines["intake"].url.render_as_string(hide_password=False)
    extra = {"TOUSU_CHANNELS": channel, "TOUSU_DATABASE_URL": intake_db, **env}
    await stack.start(names=[], deployments={name: ("intake", extra)})
    return name


async def add_tenant(
    stack: Stack, tenant: str, estates: dict[str, str], parameters: dict[str, float] | None = None
) -> None:
    """Estates for ``tenant`` (each with ``parameters``, if given), and an HTTP channel account
    that may write into all of them."""
    async with httpx.AsyncClient(base_url=stack.url("intake"), timeout=10, headers=ADMIN) as client:
        for estate_id, regime in estates.items():
            body = {"tenant_id": tenant, "name": estate_id, "regime": regime, "parameters": parameters or {}}
            r = await client.put(f"/v1/estates/{estate_id}", json=body)
            assert r.status_code == 200, r.text
        account, secret = f"{tenant}-http", f"key-{tenant}-0123456789abcdef"
        body = {"channel": "http", "tenant_id": tenant, "estates": list(estates), "secret": secret}
        r = await client.put(f"/v1/channel-accounts/{account}", json=body)
        assert r.status_code == 200, r.text
    stack.accounts[tenant] = (account, secret)


async def post_complaint(client: httpx.AsyncClient, stack: Stack, body: dict[str, Any]) -> httpx.Response:
    """POST one complaint through the HTTP channel, as the account of the body's tenant."""
    account, secret = stack.accounts[body["tenant_id"]]
    return await client.post(
        f"/v1/channels/http/{account}", json=body, headers={"authorization": f"Bearer {secret}"}
    )


def complaint(tenant: str, estate: str, n: int, **overrides: Any) -> dict[str, Any]:
    texts = [
        "3号楼电梯困人，请尽快处理",
        "楼上漏水，天花板都湿了",
        "晚上噪音太大睡不着",
        "垃圾清理不及时，臭味很重",
        "物业费收费不合理",
    ]
    body = {
        "tenant_id": tenant,
        "estate_id": estate,
        "channel": "phone",
        "text": f"{texts[n % len(texts)]}（第{n}号）",
        "room": f"{n % 30 + 1}-1-{1000 + n}",
        "contact": {"name": "李先生", "phone": f"139{n:08d}"},
    }
    body.update(overrides)
    return body


async def post_complaints(
    stack: Stack, bodies: list[dict[str, Any]], concurrency: int = 16, headers: dict[str, str] | None = None
) -> list[str]:
    """Post bodies over HTTP (with ``headers``, e.g. a ``traceparent``); return the complaint ids in order."""
    ids: list[str] = [""] * len(bodies)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(bodies)):
        queue.put_nowait(i)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            r = await post_complaint(client, stack, bodies[i])
            assert r.status_code == 202, r.text
            ids[i] = r.json()["complaint_id"]

    async with httpx.AsyncClient(base_url=stack.url("intake"), timeout=30, headers=headers) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return ids


async def wait_until(predicate: Any, timeout: float, what: str, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await predicate()
        if last is True:
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last})")


_DISPATCHED = (
    "SELECT count(*) FROM case_files WHERE tenant_id = :t AND status = 'dispatched' AND event_count >= 3"
)
# Outbox values are bytes and a DLQ may hold any bytes at all: search them as bytes.
_MENTIONING = "SELECT count(*) FROM outbox WHERE position(convert_to(:t, 'UTF8') in value) > 0"


async def all_dispatched(stack: Stack, tenant: str, n: int) -> bool | int:
    """True once archive holds ``n`` dispatched cases of ``tenant``; else how many it has."""
    got = int(await stack.scalar("archive", _DISPATCHED, t=tenant))
    return True if got == n else got


async def whereabouts(stack: Stack, complaint_id: str) -> str:
    """How far one complaint got through the services, for a message when it is late."""
    steps = [
        ("intake", "SELECT count(*) FROM intake_complaints WHERE complaint_id = :c", "stored"),
        ("triage", "SELECT count(*) FROM triage_results WHERE complaint_id = :c", "triaged"),
        ("dispatch", "SELECT count(*) FROM work_orders WHERE complaint_id = :c", "work order"),
        ("archive", "SELECT count(*) FROM case_events WHERE complaint_id = :c", "events filed"),
    ]
    found = []
    for service, sql, what in steps:
        try:
            found.append(f"{service}: {await stack.scalar(service, sql, c=complaint_id)} {what}")
        except Exception as exc:  # a database restarting: say so, and go on
            found.append(f"{service}: {type(exc).__name__}")
    return ", ".join(found)


async def outbox_rows(stack: Stack, service: str, tenant: str, *, dlq_only: bool) -> int:
    """Outbox rows of ``service`` that carry an event of ``tenant`` (only DLQ ones if asked)."""
    sql = _MENTIONING + (" AND topic LIKE '%.dlq'" if dlq_only else "")
    return int(await stack.scalar(service, sql, t=f'"tenant_id":"{tenant}"'))


async def unsent_outbox_rows(stack: Stack, *, dlq_only: bool = False) -> dict[str, int]:
    """Per service database: outbox rows its relay has not published yet (only DLQ ones if asked)."""
    sql = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
    sql += " AND topic LIKE '%.dlq'" if dlq_only else ""
    return {service: int(await stack.scalar(service, sql)) for service in stack.engines}


def _broker_settings(stack: Stack) -> ServiceSettings:
    return ServiceSettings(kafka_bootstrap=kafka_bootstrap(), topic_prefix=stack.topic_prefix)


async def dlq_messages(stack: Stack) -> dict[str, int]:
    """Every dead-letter topic of the stack's prefix and how many messages it holds (as
    ``tousu dlq list`` counts them)."""
    return await dlq_counts(_broker_settings(stack))


async def consumer_lag(stack: Stack) -> dict[str, int]:
    """Per consumer group of the stack: records on its topics it has not committed yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    await admin.start()
    try:
        groups = [g[0] for g in await admin.list_consumer_groups() if g[0].startswith(stack.topic_prefix)]
        committed = {g: await admin.list_consumer_group_offsets(g) for g in groups}
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), group_id=None)
    await consumer.start()
    try:
        lag: dict[str, int] = {}
        for group, offsets in committed.items():
            ends = await consumer.end_offsets(list(offsets)) if offsets else {}
            lag[group] = sum(ends[tp] - meta.offset for tp, meta in offsets.items())
        return lag
    finally:
        await consumer.stop()


async def read_events(stack: Stack, topic: str, expect: int = 0) -> dict[str, dict[str, Any]]:
    """Every event on ``topic`` by event id (a message the relay sent again carries the same
    id, so it counts once): all the topic held when called, at least ``expect`` events, and
    then whatever a few more polls bring."""
    reader = OffsetReader(kafka_bootstrap(), {})
    await reader.start()
    try:
        found = await reader.partitions([topic])
    finally:
        await reader.close()
    parts = [TopicPartition(topic, p) for p in found.get(topic, [])]
    assert parts, f"no topic {topic} on the broker"
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False, group_id=None)
    await consumer.start()
    events: dict[str, dict[str, Any]] = {}
    try:
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        idle = 0

        async def behind() -> bool:
            return any([await consumer.position(p) < ends[p] for p in parts])

        async with asyncio.timeout(180):
            while idle < 4 or len(events) < expect or await behind():
                batch = await consumer.getmany(timeout_ms=500, max_records=5000)
                records = [r for rs in batch.values() for r in rs]
                idle = 0 if records else idle + 1
                for r in records:
                    event = orjson.loads(r.value)
                    events[event["event_id"]] = event
    finally:
        await consumer.stop()
    return events


#: events that only a person's (or the operator's) act produces, and that the act's audit
#: record must name as the event it caused
_STAFF_EVENTS = [
    *(model.__name__ for model in ACTION_EVENTS.values()),  # each work-order verb, callbacks
    "ApprovalDecided",
]
_UNAUDITED = """
SELECT e.type, e.event_id FROM case_events e
WHERE (e.type = ANY(:types)
       OR (e.type = 'ComplaintRejected' AND e.payload::jsonb->>'decided_by' <> 'intake')
       OR (e.type = 'WorkOrderAssigned' AND e.payload::jsonb->>'by' IS NOT NULL)
       OR (e.type = 'ApprovalRequested' AND e.payload::jsonb->>'kind' = 'compensation'))
  AND NOT EXISTS (SELECT 1 FROM audit_entries a WHERE a.caused_event_id = e.event_id)
"""


async def unaudited_acts(stack: Stack) -> list[str] | bool:
    """True when archive's audit trail names every act's event of the stack's cases; else
    the acts that have no audit record (yet: the trail travels through Kafka too)."""
    async with stack.engines["archive"].connect() as conn:
        rows = (await conn.execute(text(_UNAUDITED), {"types": _STAFF_EVENTS})).all()
    return True if not rows else [f"{r.type} {r.event_id}" for r in rows]
