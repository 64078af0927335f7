"""Escalation notices through the real broker to a notifier plugin: an urgent complaint
under 001 raises its 'classified' escalation to customer service, dispatch names the
roster's contact, callback stages the notice, and the webhook notifier delivers it to a
webhook that fails three times before it answers: exactly one delivery, after retries on
the backoff (in virtual time)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from tests.integration.harness import (
    ADMIN,
    add_tenant,
    complaint,
    free_port,
    post_complaints,
    running_stack,
    wait_until,
)
from tousu_shared.clock import FileClock

pytestmark = pytest.mark.integration

TENANT, ESTATE = "notify-group", "notify-1"
T0 = datetime.fromisoformat("2026-03-02T09:00:00+08:00")


class FlakyHook(BaseHTTPRequestHandler):
    """Answers 503 to the first three POSTs, then 200; keeps every delivery's key and answer."""

    calls: ClassVar[list[tuple[str, int]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        status = 503 if len(FlakyHook.calls) < 3 else 200
        FlakyHook.calls.append((self.headers.get("idempotency-key", ""), status))
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[str]:
    FlakyHook.calls.clear()
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), FlakyHook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/escalations"
    finally:
        server.shutdown()


async def test_a_notice_that_fails_three_times_is_delivered_exactly_once(tmp_path: Path, hook: str) -> None:
    clock = tmp_path / "clock"
    FileClock.write(clock, T0)
    env = {
        "TOUSU_CLOCK_FILE": str(clock),
        "TOUSU_NOTIFY_ESCALATION": "webhook",
        "TOUSU_NOTIFY_POLL_SECONDS": "0.1",
        "TOUSU_NOTIFIER_WEBHOOK_URL": hook,
    }
    names = ["intake", "triage", "dispatch", "sla-monitor", "callback"]
    async with running_stack(tmp_path, "ntf", env=env, names=names) as stack:
        await add_tenant(stack, TENANT, {ESTATE: "logistics-service"})
        roster = {
            "tenant_id": TENANT,
            "teams": [
                {
                    "team_id": "cs",
                    "department": "customer_service",
                    "members": [{"staff_id": "cs-01", "name": "李"}],
                }
            ],
            "contacts": {"customer_service": ["cs-01"]},
        }
        async with httpx.AsyncClient(base_url=stack.url("dispatch"), headers=ADMIN) as client:
            r = await client.put(f"/v1/estates/{ESTATE}/roster", json=roster)
            assert r.status_code == 200, r.text
        await post_complaints(stack, [complaint(TENANT, ESTATE, 0)])  # 电梯困人: urgent under 001

        async def posts(n: int) -> bool | int:
            return True if len(FlakyHook.calls) >= n else len(FlakyHook.calls)

        await wait_until(lambda: posts(1), 60, "the first attempt")
        now = T0
        for attempt, backoff in enumerate(
            [timedelta(seconds=10), timedelta(seconds=30), timedelta(minutes=2)], 2
        ):
            now += backoff + timedelta(seconds=1)
            FileClock.write(clock, now)
            await wait_until(lambda n=attempt: posts(n), 30, f"attempt {attempt}")
        FileClock.write(clock, now + timedelta(hours=1))
        await asyncio.sleep(2)  # time enough for a second delivery, were there one
        delivered = Counter(key for key, status in FlakyHook.calls if status == 200)
        first_key = FlakyHook.calls[0][0]
        assert [status for key, status in FlakyHook.calls if key == first_key] == [503, 503, 503, 200]
        assert all(count == 1 for count in delivered.values()), FlakyHook.calls
        row = await stack.scalar(
            "callback",
            "SELECT status || ':' || attempts FROM notifications WHERE notification_id = :k",
            k=first_key,
        )
        assert row == "sent:4"
