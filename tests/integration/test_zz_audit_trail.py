"""The audit trail of the whole suite's cases is complete: every act a person or the
operator performed on the session stack (each work-order verb, reassignment, compensation,
approval, callback, rejection) has its audit record, naming the event it caused.

Named to run after the tests that act on cases (pytest collects files in name order)."""

from __future__ import annotations

import pytest

from tests.integration.harness import Stack, unaudited_acts, wait_until

pytestmark = pytest.mark.integration


async def test_every_act_of_the_suite_is_in_the_audit_trail(stack: Stack) -> None:
    acts = int(
        await stack.scalar("archive", "SELECT count(*) FROM audit_entries WHERE caused_event_id IS NOT NULL")
    )
    assert acts > 0, "the suite acted on cases (this test runs after those that do)"
    await wait_until(lambda: unaudited_acts(stack), 30, "an audit record of every act")
