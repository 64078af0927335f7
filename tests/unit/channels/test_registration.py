"""Registering drafts on a real (SQLite) intake database, migrated the way services migrate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_channels import ComplaintDraft, ContactDraft, Evidence
from tousu_intake.models import ChannelAccount, Contact, Estate
from tousu_intake.registration import Limits, Refused, Registrar
from tousu_intake.vault import Vault
from tousu_shared.contracts.events import Channel
from tousu_shared.contracts.topics import Topics
from tousu_shared.db.engine import make_engine, make_sessionmaker
from tousu_shared.db.migrate import alembic_config, upgrade

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
KEYS = {"TOUSU_VAULT_KEYS": Fernet.generate_key().decode(), "TOUSU_VAULT_INDEX_KEY": "index-key-for-tests"}
VAULT = Vault.from_keys([KEYS["TOUSU_VAULT_KEYS"]], KEYS["TOUSU_VAULT_INDEX_KEY"])
ACCOUNT = ChannelAccount(
    account_id="t1-app",
    channel="http",
    tenant_id="t1",
    estates="e1,e2",
    default_estate="e1",
    secret_sealed="x",
    created_at=NOW,
)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[Any]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/intake.db")
    await upgrade(engine, "tousu_intake.migrations")
    maker = make_sessionmaker(engine)
    async with maker() as s, s.begin():
        s.add_all(
            [
                Estate(estate_id="e1", tenant_id="t1", name="E1", regime="property-role-matrix"),
                Estate(estate_id="e2", tenant_id="t1", name="E2", regime="logistics-service"),
                Estate(estate_id="x1", tenant_id="t2", name="X1", regime="logistics-service"),
            ]
        )
    yield maker
    await engine.dispose()


def _draft(**changes: Any) -> ComplaintDraft:
    fields: dict[str, Any] = {
        "source_message_id": "m-1",
        "channel": Channel.app,
        "text": "电梯困人了，打我电话13812345678",
        "contact": ContactDraft(name="王女士", phone="13812345678"),
    }
    return ComplaintDraft(**{**fields, **changes})


def _registrar() -> Registrar:
    return Registrar(VAULT, Topics("t."), Limits(max_text_chars=2000, evidence_max_bytes=1000))


async def _register(sessions: Any, draft: ComplaintDraft) -> Any:
    async with sessions() as s, s.begin():
        return await _registrar().register(s, ACCOUNT, draft, NOW)


async def _events(s: AsyncSession) -> list[tuple[str, dict[str, Any]]]:
    rows = (await s.execute(sa.text("SELECT topic, value FROM outbox ORDER BY id"))).all()
    return [(r.topic, orjson.loads(r.value)) for r in rows]


async def test_a_complaint_its_sealed_contact_and_its_event_are_stored_together(sessions: Any) -> None:
    photo = Evidence(filename="lift.jpg", content_type="image/jpeg", data=b"\xff\xd8 photo")
    outcome = await _register(sessions, _draft(evidence=(photo,), location="3号楼大堂"))
    assert outcome.status == "received" and outcome.regime == "property-role-matrix"
    async with sessions() as s:
        row = (await s.execute(sa.text("SELECT * FROM intake_complaints"))).one()
        contact = await s.get(Contact, row.contact_ref)
        [(topic, event)] = await _events(s)
        stored = (await s.execute(sa.text("SELECT size, sha256 FROM intake_evidence"))).one()
    assert row.text == "电梯困人了，打我电话138****5678" and VAULT.open(row.text_sealed).endswith(
        "13812345678"
    )
    assert contact is not None and VAULT.open(contact.phone_sealed) == "13812345678"
    assert "13812345678" not in (contact.phone_sealed or "") and contact.phone_index == VAULT.index(
        "138 1234 5678"
    )
    assert topic == "t.complaints.received.property-role-matrix"
    payload = event["payload"]
    assert "13812345678" not in orjson.dumps(event).decode()
    assert payload["contact"] == {"name": "王**", "phone": "138****5678"}
    assert payload["location"] == "3号楼大堂" and payload["evidence"][0]["sha256"] == photo.sha256
    assert stored.size == photo.size


async def test_a_retried_message_is_the_same_complaint(sessions: Any) -> None:
    first = await _register(sessions, _draft())
    again = await _register(sessions, _draft(text="别的文字也一样"))
    assert (again.status, again.complaint_id) == ("duplicate", first.complaint_id)
    async with sessions() as s:
        assert len(await _events(s)) == 1


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({"estate_id": "x1"}, 422, "unknown estate 'x1'"),  # another tenant's estate
        ({"estate_id": "nope"}, 422, "unknown estate 'nope'"),
        ({"tenant_hint": "t2"}, 403, "another tenant"),
        ({"text": "漏" * 2001}, 422, "at most 2000"),
        ({"contact": ContactDraft()}, 422, "no way to reach"),
        ({"evidence": (Evidence(filename="big.bin", data=b"x" * 1001),)}, 413, "at most 1000"),
    ],
)
async def test_refused_drafts_store_nothing(
    sessions: Any, changes: dict[str, Any], status: int, says: str
) -> None:
    with pytest.raises(Refused) as refused:
        await _register(sessions, _draft(**changes))
    assert refused.value.status == status and says in refused.value.detail
    async with sessions() as s:
        assert await s.scalar(sa.text("SELECT count(*) FROM intake_complaints")) == 0
        assert await s.scalar(sa.text("SELECT count(*) FROM intake_contacts")) == 0
        assert await _events(s) == []


async def test_migration_0002_seals_the_contacts_registered_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in KEYS.items():
        monkeypatch.setenv(key, value)
    url = f"sqlite:///{tmp_path}/old.db"
    config = alembic_config("tousu_intake.migrations", url.replace("sqlite:", "sqlite+aiosqlite:"))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(
            sa.text(
                "INSERT INTO intake_complaints (complaint_id, tenant_id, estate_id, regime, channel, text,"
                " contact_name, contact_phone, received_at) VALUES ('c1', 't1', 'e1', 'logistics-service',"
                " 'phone', '回电13900001111', '张三', '13900001111', '2026-11-30 08:00:00')"
            )
        )
        command.upgrade(config, "head")
        row = conn.execute(sa.text("SELECT * FROM intake_complaints")).one()
        contact = conn.execute(sa.text("SELECT * FROM intake_contacts")).one()
    assert "contact_phone" not in row._mapping and row.contact_phone_masked == "139****1111"
    assert row.text == "回电139****1111" and VAULT.open(row.text_sealed) == "回电13900001111"
    assert VAULT.open(contact.phone_sealed) == "13900001111" and VAULT.open(contact.name_sealed) == "张三"
