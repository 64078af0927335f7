"""Bad input at the edges: a clear 4xx over HTTP, the DLQ on Kafka, nothing half-written."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from typer.testing import CliRunner

from tests.integration.harness import (
    ADMIN,
    Stack,
    add_tenant,
    complaint,
    kafka_bootstrap,
    outbox_rows,
    post_complaint,
    post_complaints,
    wait_until,
)
from tousu_cli.main import app as cli

TENANT = "edge-group"
ESTATE = "edge-1"


@pytest.fixture
async def edge_tenant(stack: Stack) -> str:
    await add_tenant(stack, TENANT, {ESTATE: "community-standard"})
    await add_tenant(stack, "other-group", {"other-1": "community-standard"})
    return TENANT


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


BAD = [
    ("missing text", lambda b: _without(b, "text"), 400, "text"),
    ("missing contact", lambda b: _without(b, "contact"), 400, "contact"),
    ("text is a number", lambda b: {**b, "text": 42}, 400, "text"),
    ("unknown channel", lambda b: {**b, "channel": "carrier-pigeon"}, 400, "channel"),
    ("phone is not a number", lambda b: {**b, "contact": {"phone": "call me"}}, 400, "contact.phone"),
    ("unexpected field", lambda b: {**b, "priority": "now"}, 400, "priority"),
    ("empty text", lambda b: {**b, "text": "   "}, 400, "text"),
    ("oversized text", lambda b: {**b, "text": "漏" * 2001}, 422, "at most 2000"),
    ("unknown estate", lambda b: {**b, "estate_id": "no-such-estate"}, 422, "unknown estate"),
    ("another tenant's estate", lambda b: {**b, "estate_id": "other-1"}, 422, "unknown estate"),
]


@pytest.mark.parametrize(("case", "mutate", "status", "mentions"), BAD, ids=[b[0] for b in BAD])
async def test_bad_complaint_gets_a_clear_4xx_and_writes_nothing(
    stack: Stack, edge_tenant: str, case: str, mutate: Any, status: int, mentions: str
) -> None:
    body = mutate(complaint(edge_tenant, ESTATE, 1))
    async with httpx.AsyncClient(base_url=stack.url("intake")) as client:
        response = await post_complaint(client, stack, {**body, "tenant_id": TENANT})
    assert response.status_code == status, response.text
    assert mentions in response.text
    assert "Traceback" not in response.text
    assert (
        await stack.scalar("intake", "SELECT count(*) FROM intake_complaints WHERE tenant_id = :t", t=TENANT)
        == 0
    )
    assert await outbox_rows(stack, "intake", TENANT, dlq_only=False) == 0


async def test_not_json_oversized_and_unsigned_bodies_are_refused(stack: Stack, edge_tenant: str) -> None:
    account, key = stack.accounts[TENANT]
    url = f"/v1/channels/http/{account}"
    signed = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    good = orjson.dumps(complaint(TENANT, ESTATE, 2))
    async with httpx.AsyncClient(base_url=stack.url("intake")) as client:
        not_json = await client.post(url, content=b"{not json", headers=signed)
        huge = await client.post(url, content=b"x" * (200 * 1024), headers=signed)
        wrong_key = await client.post(url, content=good, headers={**signed, "authorization": "Bearer guess"})
        no_key = await client.post(url, content=good)
        other_account = await client.post("/v1/channels/http/no-such-account", content=good, headers=signed)
    assert not_json.status_code == 400 and "not JSON" in not_json.text, not_json.text
    assert huge.status_code == 413, huge.text
    for refused in (wrong_key, no_key, other_account):
        assert refused.status_code == 401, refused.text
        assert "unknown account or bad credentials" in refused.text
    assert (
        await stack.scalar("intake", "SELECT count(*) FROM intake_complaints WHERE tenant_id = :t", t=TENANT)
        == 0
    )


async def test_an_estate_with_parameters_its_regime_lacks_is_refused(stack: Stack, edge_tenant: str) -> None:
    estate = {"tenant_id": TENANT, "name": ESTATE, "regime": "community-standard"}
    async with httpx.AsyncClient(base_url=stack.url("intake"), headers=ADMIN) as client:
        unknown = await client.put(
            f"/v1/estates/{ESTATE}", json=estate | {"parameters": {"onsite_limit": 10}}
        )
        negative = await client.put(
            f"/v1/estates/{ESTATE}", json=estate | {"parameters": {"reply_limit": -1}}
        )
        good = await client.put(f"/v1/estates/{ESTATE}", json=estate | {"parameters": {"reply_limit": 5}})
        listed = await client.get("/v1/estates", params={"tenant_id": TENANT})
    assert unknown.status_code == 422 and "no parameter 'onsite_limit'; known:" in unknown.text, unknown.text
    assert negative.status_code == 400 and "reply_limit" in negative.text, negative.text
    assert good.status_code == 200, good.text
    assert [e["parameters"] for e in listed.json()] == [{"reply_limit": 5.0}]


async def test_poison_message_goes_to_the_dlq_and_the_consumer_keeps_going(stack: Stack) -> None:
    tenant = "poison-group"
    await add_tenant(stack, tenant, {"poison-1": "community-standard"})
    topic = f"{stack.topic_prefix}complaints.received.community-standard"
    wrong_payload = {
        "event_id": "01POISONPAYLOAD0000000000",
        "type": "ComplaintReceived",
        "schema_version": 1,
        "occurred_at": "2026-11-23T10:00:00+08:00",
        "tenant_id": tenant,
        "estate_id": "poison-1",
        "complaint_id": "poison-c1",
        "correlation_id": "x",
        "payload": {"text": 12},
    }
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap())
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"\x00\xffnot json at all", key=b"poison-raw")
        await producer.send_and_wait(topic, orjson.dumps(wrong_payload), key=b"poison-c1")
    finally:
        await producer.stop()

    # The consumer is not stuck: a good complaint behind the poison goes all the way through.
    [good] = await post_complaints(stack, [complaint(tenant, "poison-1", 3)])
    await wait_until(lambda: _dispatched(stack, good), timeout=60, what="the good complaint to be dispatched")

    dead = await _read_topic(f"{topic}.dlq", want_keys={b"poison-raw", b"poison-c1"})
    assert set(dead) == {b"poison-raw", b"poison-c1"}
    for headers in dead.values():
        assert headers["tousu-dlq-original-topic"] == topic
        assert headers["tousu-dlq-consumer"] in {"triage", "archive"}
    assert "not a Tousu envelope" in dead[b"poison-raw"]["tousu-dlq-error"]
    assert "payload" in dead[b"poison-c1"]["tousu-dlq-error"]
    await _the_operator_reads_the_dlq(stack, topic)


async def _the_operator_reads_the_dlq(stack: Stack, topic: str) -> None:
    """``tousu dlq list`` counts the poison, ``tousu dlq show`` says who gave up and why."""
    env = {"TOUSU_TOPIC_PREFIX": stack.topic_prefix, "TOUSU_KAFKA_BOOTSTRAP": kafka_bootstrap()}

    async def tousu(*args: str) -> Any:  # in a thread: the command runs its own event loop
        return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)

    seen: list[int] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (len(seen) > 2 and seen[-1] == seen[-3] >= 4):
        listed = await tousu("dlq", "list", "--json")  # every reader dead-letters each poison
        assert listed.exit_code == 0, listed.output
        seen.append(orjson.loads(listed.stdout).get(f"{topic}.dlq", 0))
        await asyncio.sleep(0.5)
    shown = await tousu("dlq", "show", topic.removeprefix(stack.topic_prefix))
    assert shown.exit_code == 0, shown.output
    lines = [orjson.loads(line) for line in shown.stdout.splitlines()]
    assert len(lines) == seen[-1] >= 4, (seen, shown.output)
    assert {d["key"] for d in lines} == {"poison-raw", "poison-c1"}
    assert {"triage", "archive"} <= {d["consumer"] for d in lines}
    envelope = {d["event"] for d in lines if d["key"] == "poison-c1"}
    assert envelope == {"ComplaintReceived 01POISONPAYLOAD0000000000"}
    assert all("payload" not in d and d["error"] for d in lines), "no payload unless asked for"
    missing = await tousu("dlq", "show", "no.such.topic")
    assert missing.exit_code == 1 and "no topic" in missing.output
    await _the_operator_replays_the_dlq(tousu, topic, seen[-1])


async def _the_operator_replays_the_dlq(tousu: Any, topic: str, held: int) -> None:
    """``tousu dlq replay`` sends a dead letter back to the one consumer that gave up on it.
    These are poison, so that consumer dead-letters them again, and nobody else sees them."""
    dlq, short = f"{topic}.dlq", topic.removeprefix(topic.split(".", 1)[0] + ".")

    async def settled(expected: int) -> list[dict[str, Any]]:
        """The DLQ's messages once it holds ``expected`` and stays there for 3 s."""
        stable_since, deadline = None, time.monotonic() + 60
        while time.monotonic() < deadline:
            count = orjson.loads((await tousu("dlq", "list", "--json")).stdout).get(dlq, 0)
            assert count <= expected, f"{count} dead letters, expected {expected}"
            stable_since = (stable_since or time.monotonic()) if count == expected else None
            if stable_since and time.monotonic() - stable_since > 3:
                shown = await tousu("dlq", "show", short, "--limit", "1000")
                return [orjson.loads(line) for line in shown.stdout.splitlines()]
            await asyncio.sleep(0.5)
        raise AssertionError(f"the DLQ never settled at {expected}")

    def positions(dead: list[dict[str, Any]]) -> set[tuple[int, int]]:
        return {(d["partition"], d["offset"]) for d in dead}

    before = positions(await settled(held))
    dry = await tousu("dlq", "replay", short, "--consumer", "triage", "--dry-run")
    assert dry.exit_code == 0 and "2 message(s) would be replayed" in dry.output, dry.output
    sent = await tousu("dlq", "replay", short, "--consumer", "triage", "--yes")
    assert sent.exit_code == 0 and "replayed 2 message(s)" in sent.output, sent.output
    after = await settled(held + 2)
    # dead-lettered again by triage only: archive and callback skipped the replays
    assert {d["consumer"] for d in after if (d["partition"], d["offset"]) not in before} == {"triage"}
    # replayed again from the DLQ's start (--again), triage's first two are skipped (a replay
    # applies once); only the two it dead-lettered on the first replay go round once more
    twice = await tousu("dlq", "replay", short, "--consumer", "triage", "--again", "--yes")
    assert "replayed 4 message(s)" in twice.output, twice.output
    await settled(held + 4)
    # Unfiltered, the replay remembers where it stopped. All held + 4 go back: the other
    # consumers' originals (held - 2) and triage's latest two fail once more, the rest are
    # skipped; a second look finds only those, which arrived after the first.
    everything = await tousu("dlq", "replay", short, "--yes")
    assert f"replayed {held + 4} message(s)" in everything.output, everything.output
    await settled(held + 4 + held)
    pending = await tousu("dlq", "replay", short, "--dry-run")
    assert f"{held} message(s) would be replayed" in pending.output, pending.output
    bad = await tousu("dlq", "replay", short, "--offset", "zero", "--yes")
    assert bad.exit_code == 2 and "PARTITION:OFFSET" in bad.output, bad.output


async def _dispatched(stack: Stack, complaint_id: str) -> bool:
    status = await stack.scalar(
        "archive", "SELECT status FROM case_files WHERE complaint_id = :c", c=complaint_id
    )
    return status == "dispatched"


async def _read_topic(topic: str, want_keys: set[bytes], timeout: float = 30) -> dict[bytes, dict[str, str]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    found: dict[bytes, dict[str, str]] = {}
    try:
        async with asyncio.timeout(timeout):
            while not want_keys <= set(found):
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for r in records:
                        if r.key in want_keys and (
                            r.key not in found or dict(r.headers).get("tousu-dlq-consumer") == b"triage"
                        ):
                            found[r.key] = {k: v.decode() for k, v in r.headers}
    finally:
        await consumer.stop()
    return found
