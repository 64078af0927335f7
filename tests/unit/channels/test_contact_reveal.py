"""Revealing a complainant's contact: the roles that call residents back, in the
complaint's estate, see it in clear; everyone else gets a 403 or 404 and nothing is
revealed; every reveal leaves an audit record (and no record means no reveal)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.unit.service_runtime import audit_records, person, routes_client, service_runtime
from tousu_channels import ComplaintDraft, ContactDraft
from tousu_intake.app import SPEC
from tousu_intake.host import host_of
from tousu_intake.models import ChannelAccount, Estate
from tousu_shared.contracts.events import Channel
from tousu_shared.runtime.service import Runtime

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
TOKEN = "intake-unit-token"
PHONE = "13812345678"
Client = AsyncTestClient[Litestar]


@pytest.fixture
async def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("TOUSU_ADMIN_TOKEN", TOKEN)
    async with service_runtime(SPEC, tmp_path, T0) as runtime:
        yield runtime


@pytest.fixture
async def client(rt: Runtime) -> AsyncIterator[Client]:
    async with routes_client(rt, {"authorization": f"Bearer {TOKEN}"}) as test_client:
        yield test_client


async def complaint_id(rt: Runtime) -> str:
    account = ChannelAccount(
        account_id="t1-app",
        channel="http",
        tenant_id="t1",
        estates="e1",
        default_estate="e1",
        secret_sealed="x",
        created_at=T0,
    )
    draft = ComplaintDraft(
        source_message_id="m-1",
        channel=Channel.app,
        text="楼上漏水，渗到我家卫生间",
        contact=ContactDraft(name="王女士", phone=PHONE),
    )
    async with rt.sessions() as session, session.begin():
        session.add(Estate(estate_id="e1", tenant_id="t1", name="E1", regime="property-role-matrix"))
        outcome = await host_of(rt).registrar.register(session, account, draft, T0)
    return str(outcome.complaint_id)


async def reveal(client: Client, cid: str, headers: dict[str, str] | None = None) -> Response:
    return await client.post(f"/v1/complaints/{cid}/contact", json={"purpose": "回访"}, headers=headers or {})


async def test_a_customer_service_clerk_of_the_estate_sees_the_contact_and_it_is_audited(
    rt: Runtime, client: Client
) -> None:
    cid = await complaint_id(rt)
    r = await reveal(client, cid, person(rt, "cs-02", "customer_service@e1"))
    assert r.status_code == 200, r.text
    assert r.json() == {"complaint_id": cid, "name": "王女士", "phone": PHONE, "email": None}
    assert r.headers["cache-control"] == "no-store"
    [record] = await audit_records(rt)
    audit = record.typed_payload()
    assert (audit.actor, audit.action, audit.detail) == (
        "cs-02",
        "contact.reveal",
        {"fields": ["name", "phone"], "purpose": "回访"},
    )
    assert PHONE not in record.model_dump_json()  # the record says what was seen, never the data


@pytest.mark.parametrize(
    ("roles", "tenant", "status"),
    [
        (("cleaning@e1",), "t1", 403),  # a cleaner never sees residents' phone numbers
        (("engineering@e1", "quality_manager@*"), "t1", 403),
        (("customer_service@e2",), "t1", 403),  # the right role in another estate
        (("customer_service@*",), "t2", 404),  # another group
    ],
)
async def test_no_one_else_sees_it(
    rt: Runtime, client: Client, roles: tuple[str, ...], tenant: str, status: int
) -> None:
    cid = await complaint_id(rt)
    r = await reveal(client, cid, person(rt, "someone", *roles, tenant=tenant))
    assert r.status_code == status, r.text
    assert PHONE not in r.text
    assert await audit_records(rt) == []


async def test_the_operator_token_reveals_nothing(rt: Runtime, client: Client) -> None:
    cid = await complaint_id(rt)
    r = await reveal(client, cid)
    assert r.status_code == 403 and PHONE not in r.text


async def test_a_reveal_needs_a_purpose(rt: Runtime, client: Client) -> None:
    cid = await complaint_id(rt)
    r = await client.post(
        f"/v1/complaints/{cid}/contact", json={}, headers=person(rt, "cs-02", "customer_service@e1")
    )
    assert r.status_code == 400 and PHONE not in r.text
    assert await audit_records(rt) == []
