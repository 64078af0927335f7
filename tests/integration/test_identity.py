"""Identity on the real services: a matrix of role × endpoint × group generated from the
policy (every forbidden cell 403 or 404, every allowed cell served), cross-group probes and
bad tokens refused and logged, an audit trail that holds every act performed, once, and a
Kafka message naming another group's estate dead-lettered by every consumer."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ulid import ULID

from tests.integration.harness import (
    ADMIN,
    Stack,
    add_tenant,
    all_dispatched,
    complaint,
    kafka_bootstrap,
    post_complaints,
    wait_until,
)
from tousu_shared.identity import shipped_policy
from tousu_shared.identity.local_issuer import issue
from tousu_shared.regimes.model import ROLE_IDS

pytestmark = pytest.mark.integration

POLICY = shipped_policy()
GROUPS = {"idm-a": "idm-a1", "idm-b": "idm-b1"}  # group → its estate
REFUSED = {401, 403, 404}
ROSTER = {
    "tenant_id": "{tenant}",
    "teams": [
        {"team_id": "eng", "department": "engineering", "members": [{"staff_id": "e-1", "name": "王工"}]},
        {"team_id": "cs", "department": "customer_service", "members": [{"staff_id": "e-1", "name": "王工"}]},
    ],
}


@dataclass(frozen=True)
class Endpoint:
    service: str
    method: str
    path: str  # {cid} {rid} {wo} {approval} {estate} {tenant}: the target group's resources
    permission: str
    body: dict[str, Any] | None = None
    audited_as: str | None = None  # the audit action a served call records
    per_group: bool = True  # False: a platform-wide endpoint (no group's resource in the path)


ENDPOINTS = [
    Endpoint("archive", "GET", "/v1/complaints/{cid}", "case.read"),
    Endpoint("sla-monitor", "GET", "/v1/cases/{cid}/clocks", "case.read"),
    Endpoint("dispatch", "GET", "/v1/work-orders/{wo}", "workorder.read"),
    Endpoint("dispatch", "GET", "/v1/work-orders/{wo}/approvals", "workorder.read"),
    Endpoint("dispatch", "GET", "/v1/estates/{estate}/roster", "roster.read"),
    Endpoint(
        "dispatch",
        "PUT",
        "/v1/estates/{estate}/roster",
        "roster.write",
        ROSTER,
    ),
    Endpoint(
        "dispatch",
        "POST",
        "/v1/work-orders/{wo}/actions",
        "workorder.act",
        {"verb": "progress", "note": "已联系住户，明早上门"},
        "workorder.act:progress",
    ),
    Endpoint(
        "dispatch",
        "POST",
        "/v1/work-orders/{wo}/assign",
        "workorder.assign",
        {"staff_id": "e-1"},
        "workorder.assign",
    ),
    Endpoint(
        "dispatch",
        "POST",
        "/v1/work-orders/{wo}/compensations",
        "compensation.request",
        {"kind": "management_fee_waiver", "months": 1, "reason": "漏水影响使用"},
        "compensation.request",
    ),
    Endpoint(
        "dispatch",
        "POST",
        "/v1/approvals/{approval}",
        "approval.decide",
        {"approved": True},
        "approval.decide",
    ),
    Endpoint(
        "intake",
        "POST",
        "/v1/complaints/{cid}/contact",
        "contact.reveal",
        {"purpose": "回访"},
        "contact.reveal",
    ),
    Endpoint(
        "intake",
        "POST",
        "/v1/complaints/{rid}/rejection",
        "complaint.reject",
        {"reason": "out_of_scope"},
        "complaint.reject",
    ),
    Endpoint(
        "callback",
        "POST",
        "/v1/complaints/{cid}/callback",
        "callback.record",
        {"satisfied": True, "score": 5},
        "callback.record",
    ),
    Endpoint("archive", "GET", "/v1/audit", "audit.read", per_group=False),
    Endpoint(
        "archive",
        "POST",
        "/v1/complaints/{cid}/review",
        "case.review",
        {"substantiated": False, "note": "核实后不属实"},
        "case.review",
    ),
    Endpoint(
        "archive",
        "POST",
        "/v1/complaints/{cid}/hold",
        "case.hold",
        {"hold": False, "reason": "复核后无需保全"},
        "case.hold",
    ),
    Endpoint(
        "archive",
        "GET",
        "/v1/reports/monthly?period=2026-11&scope=estate:{estate}&tenant_id={tenant}",
        "report.read",
    ),
    Endpoint(
        "archive",
        "PUT",
        "/v1/regions/north?tenant_id={tenant}",
        "region.write",
        {"estates": ["{estate}"]},
        per_group=False,
    ),
    Endpoint("intake", "GET", "/v1/estates?tenant_id={tenant}", "estate.admin", per_group=False),
    Endpoint("intake", "GET", "/v1/channel-accounts?tenant_id={tenant}", "channel.admin", per_group=False),
]


@dataclass
class Group:
    tenant: str
    estate: str
    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class Served:
    """Calls the services served (2xx), for the audit comparison."""

    acts: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (complaint, actor, action)


async def _prepare(stack: Stack) -> dict[str, Group]:
    groups = {}
    for tenant, estate in GROUPS.items():
        await add_tenant(stack, tenant, {estate: "logistics-service"})
        cid, rid = await post_complaints(
            stack, [complaint(tenant, estate, 1), complaint(tenant, estate, 2, text="小区外马路的路灯坏了")]
        )
        groups[tenant] = Group(tenant, estate, {"cid": cid, "rid": rid, "estate": estate, "tenant": tenant})
    for tenant in GROUPS:
        await wait_until(lambda t=tenant: all_dispatched(stack, t, 2), 90, f"{tenant} dispatched")
    async with httpx.AsyncClient(base_url=stack.url("dispatch"), headers=ADMIN, timeout=10) as client:
        for group in groups.values():
            r = await client.get("/v1/work-orders", params={"complaint_id": group.ids["cid"]})
            group.ids["wo"] = r.json()["items"][0]["work_order_id"]
            r = await client.post(
                f"/v1/work-orders/{group.ids['wo']}/compensations",
                json={"kind": "cash", "amount_yuan": "200", "reason": "泡坏地板", "by": "cs-seed"},
            )
            assert r.status_code == 202, r.text
            group.ids["approval"] = r.json()["approval_id"]
            r = await client.put(f"/v1/estates/{group.estate}/roster", json=_fill(ROSTER, group.ids))
            assert r.status_code == 200, r.text

    async def clocks_started() -> bool:
        async with httpx.AsyncClient(base_url=stack.url("sla-monitor"), headers=ADMIN) as client:
            for group in groups.values():
                path = f"/v1/cases/{group.ids['cid']}/clocks"
                if (await client.get(path, params={"tenant": group.tenant})).status_code != 200:
                    return False
        return True

    await wait_until(clocks_started, 60, "the monitor's clocks")
    return groups


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


async def _call(stack: Stack, e: Endpoint, ids: dict[str, str], headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=stack.url(e.service), timeout=10) as client:
        body = _fill(e.body, ids) if e.body is not None else None
        return await client.request(e.method, _fill(e.path, ids), json=body, headers=headers)


async def test_the_policy_matrix_holds_on_the_real_services(stack: Stack) -> None:
    groups = await _prepare(stack)
    own, other = groups["idm-a"], groups["idm-b"]
    assert {e.permission for e in ENDPOINTS} == set(POLICY.permissions), "every permission is probed"
    served = Served()
    wrong: list[str] = []
    ok_somewhere: set[str] = set()
    for e in ENDPOINTS:
        allowed_roles = POLICY.roles_with(e.permission)
        for role in ROLE_IDS:
            subject = f"{role}-a"
            headers = stack.person(subject, own.tenant, f"{role}@{own.estate}")
            r = await _call(stack, e, own.ids, headers)
            expected = "served" if role in allowed_roles else "403"
            got = "served" if r.status_code not in REFUSED else str(r.status_code)
            if got != expected:
                wrong.append(
                    f"{role} {e.method} {e.path}: {r.status_code} {r.text[:120]} (expected {expected})"
                )
            if r.is_success:
                ok_somewhere.add(e.path)
                if e.audited_as:
                    served.acts[(own.ids["rid" if "{rid}" in e.path else "cid"], subject, e.audited_as)] += 1
            if e.per_group:  # the same role of the other group reaching for this group's resource
                probe = stack.person(f"{role}-b", other.tenant, f"{role}@{other.estate}")
                r = await _call(stack, e, own.ids, probe)
                if r.status_code != 404:
                    wrong.append(f"{role} of another group {e.method} {e.path}: {r.status_code}")
        r = await _call(stack, e, own.ids, ADMIN)
        expected = "served" if POLICY.permission(e.permission).operator else "403"
        got = "served" if r.status_code not in REFUSED else str(r.status_code)
        if got != expected:
            wrong.append(f"operator {e.method} {e.path}: {r.status_code} (expected {expected})")
        if r.is_success:
            ok_somewhere.add(e.path)
            if e.audited_as:
                served.acts[(own.ids["rid" if "{rid}" in e.path else "cid"], "operator", e.audited_as)] += 1
    assert not wrong, "\n".join(wrong)
    assert ok_somewhere == {e.path for e in ENDPOINTS}, "every endpoint served someone"

    # the audit trail holds every act served, once, and nothing else of these cases
    reader = stack.person("qm-a", own.tenant, "quality_manager@*")

    async def trail() -> Counter[tuple[str, str, str]]:
        found: Counter[tuple[str, str, str]] = Counter()
        async with httpx.AsyncClient(base_url=stack.url("archive"), headers=reader, timeout=10) as client:
            for key in ("cid", "rid"):
                r = await client.get("/v1/audit", params={"complaint_id": own.ids[key], "limit": 500})
                assert r.status_code == 200, r.text
                for item in r.json()["items"]:
                    if item["detail"].get("approval_id") and item["acting_for"] == "cs-seed":
                        continue  # the seeding compensation of _prepare
                    found[(item["complaint_id"], item["actor"], item["action"])] += 1
        return found

    async def complete() -> bool | str:
        found = await trail()
        return True if found == served.acts else f"{sum(found.values())} of {sum(served.acts.values())}"

    await wait_until(complete, 60, "the audit trail of every act")
    # the trail is append-only in the database itself
    for statement in ("UPDATE audit_entries SET actor = 'someone-else'", "DELETE FROM audit_entries"):
        with pytest.raises(Exception, match="append-only"):
            await stack.scalar("archive", statement)
    # and the other group's quality manager sees none of it
    outsider = stack.person("qm-b", other.tenant, "quality_manager@*")
    async with httpx.AsyncClient(base_url=stack.url("archive"), headers=outsider) as client:
        r = await client.get("/v1/audit", params={"complaint_id": own.ids["cid"]})
        assert r.status_code == 200 and r.json()["total"] == 0


async def test_forged_expired_and_foreign_tokens_and_crafted_probes_fail_and_are_logged(
    stack: Stack,
) -> None:
    tenant, estate = "idm-probe", "idm-p1"
    await add_tenant(stack, tenant, {estate: "logistics-service"})
    [cid] = await post_complaints(stack, [complaint(tenant, estate, 3)])
    await wait_until(lambda: all_dispatched(stack, tenant, 1), 90, "dispatched")
    genuine = stack.person("cs-p", tenant, f"customer_service@{estate}")["authorization"]
    head, body, signature = genuine.removeprefix("Bearer ").split(".")
    roles = [f"customer_service@{estate}"]
    expired = issue(stack.data_dir, "cs-p", tenant, roles, ttl_seconds=600, now=time.time() - 7200)
    now = int(time.time())
    foreign = jwt.encode(
        {
            "iss": "https://sso.elsewhere.example",
            "aud": "tousu",
            "sub": "cs-p",
            "tenant": tenant,
            "roles": [f"customer_service@{estate}"],
            "iat": now,
            "exp": now + 600,
        },
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
    )
    bad_tokens = [f"{head}.{body}.{signature[::-1]}", expired, foreign, "not-a-token"]
    before = {name: svc.log_count("unauthenticated request") for name, svc in stack.services.items()}
    for service, path in [
        ("archive", f"/v1/complaints/{cid}"),
        ("sla-monitor", f"/v1/cases/{cid}/clocks"),
        ("dispatch", "/v1/work-orders"),
    ]:
        async with httpx.AsyncClient(base_url=stack.url(service)) as client:
            for token in bad_tokens:
                r = await client.get(path, headers={"authorization": f"Bearer {token}"})
                assert r.status_code == 401, (service, token[:20], r.text)
    for service in ("archive", "sla-monitor", "dispatch"):
        logged = stack.services[service].log_count("unauthenticated request") - before[service]
        assert logged >= len(bad_tokens), (service, logged)

    # a person of another group: guessing ids, naming this group in filters, revealing contacts
    outsider = stack.person("gm-x", "idm-elsewhere", "general_manager@*", "customer_service@*")
    refused_before = stack.services["archive"].log_count("access refused")
    async with httpx.AsyncClient(base_url=stack.url("archive"), headers=outsider) as client:
        assert (await client.get(f"/v1/complaints/{cid}")).status_code == 404
        assert (await client.get("/v1/complaints", params={"tenant_id": tenant})).status_code == 404
        mine = await client.get("/v1/complaints")
        assert mine.status_code == 200 and mine.json()["total"] == 0
    async with httpx.AsyncClient(base_url=stack.url("intake"), headers=outsider) as client:
        r = await client.post(f"/v1/complaints/{cid}/contact", json={"purpose": "probe"})
        assert r.status_code == 404 and "139" not in r.text
    async with httpx.AsyncClient(base_url=stack.url("sla-monitor"), headers=outsider) as client:
        r = await client.get("/v1/queues/engineering", params={"tenant": tenant})
        assert r.status_code == 404
    assert stack.services["archive"].log_count("access refused") >= refused_before + 2
    assert stack.services["intake"].log_count("access refused") >= 1


async def _messages(
    topic: str, key: bytes, want: int, timeout: float = 30
) -> list[ConsumerRecord[bytes, bytes]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap(), auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[ConsumerRecord[bytes, bytes]] = []
    try:
        async with asyncio.timeout(timeout):
            while len(found) < want:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found += [r for r in records if r.key == key]
    finally:
        await consumer.stop()
    return found


async def test_a_kafka_message_naming_another_groups_estate_is_dead_lettered_unapplied(
    stack: Stack,
) -> None:
    tenant, estate = "idm-kafka", "idm-k1"
    await add_tenant(stack, tenant, {estate: "logistics-service"})
    [cid] = await post_complaints(stack, [complaint(tenant, estate, 4)])
    await wait_until(lambda: all_dispatched(stack, tenant, 1), 90, "dispatched")
    triaged = f"{stack.topic_prefix}complaints.triaged"
    [genuine] = await _messages(triaged, cid.encode(), 1)
    # the same reading, relabelled for another group: a bug or a forgery upstream
    forged = orjson.loads(genuine.value) | {
        "event_id": str(ULID()),
        "tenant_id": "idm-kafka-thief",
        "complaint_id": "idm-forged-1",
    }
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap())
    await producer.start()
    try:
        await producer.send_and_wait(triaged, orjson.dumps(forged), key=b"idm-forged-1")
    finally:
        await producer.stop()
    consumers = {"dispatch", "sla-monitor", "archive", "intake"}  # every reader of complaints.triaged
    dead = await _messages(f"{triaged}.dlq", b"idm-forged-1", len(consumers))
    assert {dict(r.headers)["tousu-dlq-consumer"].decode() for r in dead} == consumers
    for r in dead:
        error = dict(r.headers)["tousu-dlq-error"].decode()
        assert f"estate {estate} belongs to group {tenant}; the message says idm-kafka-thief" in error
    assert (
        await stack.scalar("dispatch", "SELECT count(*) FROM work_orders WHERE complaint_id = 'idm-forged-1'")
        == 0
    )
    assert (
        await stack.scalar("archive", "SELECT count(*) FROM case_files WHERE complaint_id = 'idm-forged-1'")
        == 0
    )
