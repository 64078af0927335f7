"""Steady load on intake, as a channel that retries: each complaint is offered once at its
moment and sent again, with the same ``Idempotency-Key``, until intake takes it.

Every answer is tallied. Intake may take a complaint (2xx: ``received``, or ``duplicate``
when an earlier try was stored but its answer never came back) or refuse it plainly (503
while it starts or its database is away). A closed port (intake killed) or a request
without an answer is retried too. Anything else is an answer a channel cannot act on,
and the chaos run fails on it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.integration.harness import Stack, complaint

#: how a retrying channel waits between tries (intake's Retry-After is 2 s; a killed
#: intake is back sooner than that is worth waiting)
RETRY_PAUSE_S = 0.5
ACCEPTED = {"received", "duplicate"}


@dataclass
class Submission:
    """One complaint as the load generator offers it, and what became of it."""

    key: str
    tenant: str
    body: dict[str, Any]
    offered_at: float
    complaint_id: str | None = None
    accepted_at: float | None = None
    tries: int = 0


@dataclass
class Answers:
    """Every answer intake gave, by kind."""

    accepted: int = 0
    duplicates: int = 0  # taken, but a try before had been stored without an answer
    refused_503: int = 0
    no_connection: int = 0  # intake's port closed: the process is down
    no_answer: int = 0  # sent, and the connection dropped or timed out before an answer
    #: e.g. "500: internal error …" → how often (a plain dict: dataclasses.asdict miscopies a Counter)
    unexpected: dict[str, int] = field(default_factory=dict)


class LoadGenerator:
    """``rate`` complaints a second, round-robin over ``estates`` (tenant, estate), sent
    by ``senders`` concurrent channels; a complaint waits its turn when all are busy."""

    def __init__(self, stack: Stack, estates: list[tuple[str, str]], rate: float, senders: int = 16) -> None:
        self.stack = stack
        self.estates = estates
        self.rate = rate
        self.senders = senders
        self.submissions: list[Submission] = []
        self.answers = Answers()
        self.started_at = 0.0
        self.stopped_at = 0.0
        self._queue: asyncio.Queue[Submission] = asyncio.Queue()
        self._offering = asyncio.Event()

    @property
    def accepted(self) -> list[Submission]:
        return [s for s in self.submissions if s.complaint_id is not None]

    async def run(self, until: asyncio.Event) -> None:
        """Offer complaints until ``until`` is set, then finish sending what was offered."""
        self.started_at = time.monotonic()
        async with httpx.AsyncClient(base_url=self.stack.url("intake"), timeout=10) as client:
            senders = [asyncio.create_task(self._send_loop(client)) for _ in range(self.senders)]
            try:
                await self._offer(until)
                await self._queue.join()
            finally:
                for task in senders:
                    task.cancel()
                await asyncio.gather(*senders, return_exceptions=True)

    async def _offer(self, until: asyncio.Event) -> None:
        n = 0
        while not until.is_set():
            due = self.started_at + n / self.rate
            if (wait := due - time.monotonic()) > 0:
                try:
                    await asyncio.wait_for(until.wait(), timeout=wait)
                    break
                except TimeoutError:
                    pass
            tenant, estate = self.estates[n % len(self.estates)]
            body = complaint(tenant, estate, n, channel="app" if n % 3 == 0 else "phone")
            submission = Submission(f"chaos-{n:06d}", tenant, body, time.monotonic())
            self.submissions.append(submission)
            self._queue.put_nowait(submission)
            n += 1
        self.stopped_at = time.monotonic()

    async def _send_loop(self, client: httpx.AsyncClient) -> None:
        while True:
            submission = await self._queue.get()
            try:
                await self._deliver(client, submission)
            finally:
                self._queue.task_done()

    async def _deliver(self, client: httpx.AsyncClient, submission: Submission) -> None:
        while True:
            if await self._try(client, submission):
                return
            await asyncio.sleep(RETRY_PAUSE_S)

    async def _try(self, client: httpx.AsyncClient, s: Submission) -> bool:
        """One try; True once there is nothing more to try: intake took the complaint, or
        refused it for good (a 4xx other than 429: no retry changes that)."""
        account, secret = self.stack.accounts[s.tenant]
        headers = {"authorization": f"Bearer {secret}", "idempotency-key": s.key}
        s.tries += 1
        try:
            r = await client.post(f"/v1/channels/http/{account}", json=s.body, headers=headers)
        except httpx.ConnectError:
            self.answers.no_connection += 1
            return False
        except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError):
            self.answers.no_answer += 1
            return False
        if r.status_code == 503:
            self.answers.refused_503 += 1
            return False
        outcome = r.json() if r.status_code in (200, 202) else {}
        if outcome.get("status") not in ACCEPTED:
            answer = f"{r.status_code}: {r.text[:120]}"
            self.answers.unexpected[answer] = self.answers.unexpected.get(answer, 0) + 1
            return 400 <= r.status_code < 500 and r.status_code != 429
        self.answers.accepted += 1
        self.answers.duplicates += outcome["status"] == "duplicate"
        s.complaint_id, s.accepted_at = outcome["complaint_id"], time.monotonic()
        return True

    def accepted_after(self, instant: float) -> list[Submission]:
        """The complaints offered after ``instant`` that intake took so far, oldest first."""
        return [s for s in self.submissions if s.offered_at > instant and s.complaint_id]
