"""Registering drafts on a real (SQLite) intake database, migrated the way services migrate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_channels import ComplaintDraft, ContactDraft, Evidence
from tousu_intake.models import ChannelAccount, Clarification, Contact, Estate
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


async def test_an_unreachable_complainant_under_001_is_rejected_and_recorded(sessions: Any) -> None:
    outcome = await _register(sessions, _draft(estate_id="e2", contact=ContactDraft()))
    assert outcome.status == "rejected" and outcome.reason == "no_facts_or_contact"
    assert "有效的联系方式" in outcome.message  # the regime's own words
    async with sessions() as s:
        row = (await s.execute(sa.text("SELECT status, reject_reason FROM intake_complaints"))).one()
        [(topic, event)] = await _events(s)
    assert tuple(row) == ("rejected", "no_facts_or_contact")
    assert topic == "t.complaints.received.logistics-service" and event["type"] == "ComplaintRejected"
    assert event["payload"]["decided_by"] == "intake"


async def test_the_same_household_saying_the_same_again_is_linked_not_a_new_case(sessions: Any) -> None:
    first = await _register(sessions, _draft(text="3号楼电梯坏了，请尽快派人来修"))
    again = await _register(
        sessions,
        _draft(
            source_message_id="m-2",
            text="怎么还没人来？3号楼电梯坏了请尽快派人来修",
            contact=ContactDraft(phone="+86 138-1234-5678"),
        ),
    )
    new_facts = await _register(
        sessions, _draft(source_message_id="m-3", text="3号楼电梯坏了，现在有人被困在里面，快来")
    )
    assert again.status == "linked" and again.related_to == first.complaint_id
    assert new_facts.status == "received"
    async with sessions() as s:
        events = await _events(s)
    repeated = [e for _, e in events if e["type"] == "ComplaintRepeated"]
    assert len(repeated) == 1 and repeated[0]["complaint_id"] == first.complaint_id
    assert [e["type"] for _, e in events].count("ComplaintReceived") == 2


async def test_a_repeat_after_the_window_is_a_new_complaint(sessions: Any) -> None:
    async with sessions() as s, s.begin():
        await _registrar().register(s, ACCOUNT, _draft(), NOW)
    later = NOW + timedelta(days=8)
    async with sessions() as s, s.begin():
        outcome = await _registrar().register(s, ACCOUNT, _draft(source_message_id="m-9"), later)
    assert outcome.status == "received"


async def test_the_next_message_of_an_asked_complainant_answers_the_question(sessions: Any) -> None:
    openid = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
    asked = await _register(sessions, _draft(text="电梯坏了", contact=ContactDraft(reply_to=openid)))
    async with sessions() as s, s.begin():
        s.add(
            Clarification(
                complaint_id=asked.complaint_id,
                tenant_id="t1",
                account_id="t1-app",
                contact_index=VAULT.index(openid) or "",
                questions="哪一部电梯？\n有人被困吗？",
                asked_at=NOW,
            )
        )
    answer = await _register(
        sessions,
        _draft(
            source_message_id="m-2", text="2号楼东边那部，没有人被困", contact=ContactDraft(reply_to=openid)
        ),
    )
    assert (answer.status, answer.complaint_id) == ("answer", asked.complaint_id)
    async with sessions() as s:
        events = await _events(s)
        question = await s.get(Clarification, asked.complaint_id)
    clarified = events[-1][1]
    assert clarified["type"] == "ComplaintClarified" and clarified["complaint_id"] == asked.complaint_id
    assert clarified["payload"]["questions"] == ["哪一部电梯？", "有人被困吗？"]
    assert clarified["payload"]["text"] == "电梯坏了" and question is not None and question.answered_at
    retried = await _register(
        sessions,
        _draft(
            source_message_id="m-2", text="2号楼东边那部，没有人被困", contact=ContactDraft(reply_to=openid)
        ),
    )
    assert (retried.status, retried.complaint_id) == ("duplicate", asked.complaint_id)


async def test_a_poller_acknowledges_through_its_channel_without_the_address(sessions: Any) -> None:
    async with sessions() as s, s.begin():
        outcome = await _registrar().register(s, ACCOUNT, _draft(), NOW, acknowledge=True)
    async with sessions() as s:
        events = await _events(s)
        ref = await s.scalar(sa.text("SELECT contact_ref FROM intake_complaints"))
    [(topic, ack)] = [(t, e) for t, e in events if e["type"] == "ReplyRequested"]
    assert topic == "t.channels.outbound.http" and ack["payload"]["kind"] == "received"
    assert ack["payload"]["contact_ref"] == ref and outcome.complaint_id in ack["payload"]["text"]
    assert "13812345678" not in orjson.dumps(ack).decode() and "138****" not in orjson.dumps(ack).decode()
