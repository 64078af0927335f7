"""No clear phone number, and no secret, in any Kafka message, log line or exported span of the suite.

Named to run last (pytest collects files in name order): it reads every topic of the
session's stack and every service log, after all the other integration tests wrote theirs.
It also registers its own complaints with phone numbers in the text, so it means something
when run alone.
"""

from __future__ import annotations

import asyncio
import re
import secrets

from aiokafka import AIOKafkaConsumer

from tests.integration.harness import (
    ADMIN_TOKEN,
    Stack,
    add_tenant,
    all_dispatched,
    complaint,
    kafka_bootstrap,
    post_complaints,
    wait_until,
)
from tousu_shared.pii import PHONE_PATTERN

# ids (ULIDs, SHA-256 keys, UUIDs, a test's made-up event id, a traceparent's span id) hold digit
# runs that look like phone numbers; a phone number in a text stands beside Chinese, spaces or
# punctuation instead
_IDS = re.compile(
    r"[0-9A-Za-z]{20,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}"
)


def _without_ids(text: str) -> str:
    return _IDS.sub(" ", text)


async def _all_messages(prefix: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    found: list[bytes] = []
    try:
        topics = sorted(t for t in await consumer.topics() if t.startswith(prefix))
        consumer.subscribe(topics)
        idle = 0
        while idle < 3:  # three empty polls in a row: every topic is read to its end
            batch = await consumer.getmany(timeout_ms=1000)
            idle = 0 if batch else idle + 1
            for records in batch.values():
                for r in records:
                    found.append((r.value or b"") + b" " + b" ".join(v for _, v in r.headers))
    finally:
        await consumer.stop()
    return found


async def test_no_phone_number_travels_or_is_logged_in_clear(stack: Stack) -> None:
    tenant = "pii-group"
    await add_tenant(stack, tenant, {"pii-1": "logistics-service", "pii-2": "property-role-matrix"})
    bodies = [
        complaint(tenant, "pii-1", 1, text="电梯困人了，请打我电话13812345678或者 0755-88886666"),
        complaint(
            tenant, "pii-2", 2, text="楼上漏水，联系+86 139 0000 2222", contact={"phone": "13900002222"}
        ),
    ]
    trace_id = secrets.token_hex(16)  # sampled, so both complaints' spans are exported
    await post_complaints(stack, bodies, headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"})
    await wait_until(lambda: all_dispatched(stack, tenant, 2), timeout=60, what="both cases dispatched")
    await asyncio.sleep(1)  # let archive's and the relays' last writes land

    messages = await _all_messages(stack.topic_prefix)
    assert len(messages) >= 6, "received, triaged and work order of this test's two cases at least"
    clear = [
        hit.group(0)
        for m in messages
        for hit in PHONE_PATTERN.finditer(_without_ids(m.decode(errors="replace")))
    ]
    assert clear == [], sorted(set(clear))[:10]
    for name, svc in stack.services.items():
        lines = [
            line
            for line in svc.log_path.read_text(errors="replace").splitlines()
            if PHONE_PATTERN.search(_without_ids(line))
        ]
        assert lines == [], f"{name} logged a phone number: {lines[:3]}"
    assert stack.collector is not None
    await wait_until(lambda: _traced(stack, trace_id), timeout=30, what="the complaints' spans exported")
    spans = stack.collector.spans()  # this test's and every sampled trace of the suite
    in_spans = [
        f"{s.service} {s.name}: {hit.group(0)}"
        for s in spans
        for hit in PHONE_PATTERN.finditer(_without_ids(" ".join(str(v) for v in s.attributes.values())))
    ]
    assert in_spans == [], in_spans[:5]


async def _traced(stack: Stack, trace_id: str) -> bool | int:
    """True once the complaints' trace reached archive; else how many of its spans arrived."""
    spans = stack.collector.spans(trace_id)  # type: ignore[union-attr]
    return True if any(s.service == "archive" for s in spans) else len(spans)


_JWT = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")


async def test_no_secret_travels_or_is_logged(stack: Stack) -> None:
    """The operator token, the vault's keys, channel account secrets and people's bearer
    tokens (the identity tests sent many, good and bad) appear in no Kafka message and no
    service log of the suite."""
    kept = {ADMIN_TOKEN, *stack.vault_env.values(), *(secret for _, secret in stack.accounts.values())}
    messages = [m.decode(errors="replace") for m in await _all_messages(stack.topic_prefix)]
    logs = {name: svc.log_path.read_text(errors="replace") for name, svc in stack.services.items()}
    for where, text in [*(("kafka", m) for m in messages), *logs.items()]:
        leaked = [s[:6] + "…" for s in kept if s and s in text]
        assert not leaked, f"{where} holds secrets {leaked}"
        assert not _JWT.search(text), f"{where} holds a bearer token"
