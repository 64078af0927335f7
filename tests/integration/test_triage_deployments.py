"""Triage deployed once per regime: each deployment reads only its regime's topic,
files complaints by its regime's rules, and keeps working when the other is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.integration.harness import (
    ADMIN,
    Stack,
    add_tenant,
    complaint,
    post_complaints,
    running_stack,
    wait_until,
)
from tousu_triage.triage import CLASSIFIER

pytestmark = pytest.mark.integration

PRM, CS = "property-role-matrix", "community-standard"
ESTATES = {"dep-prm": PRM, "dep-cs": CS}
OUTAGE_ESTATES = {"out-prm": PRM, "out-cs": CS}


@pytest_asyncio.fixture(scope="module")
async def per_regime(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    workdir = tmp_path_factory.mktemp("per-regime")
    deployments = {
        "triage-prm": ("triage", {"TOUSU_REGIMES": PRM}),
        "triage-cs": ("triage", {"TOUSU_REGIMES": CS}),
    }
    try:
        async with running_stack(
            workdir, "tr", names=["intake", "dispatch", "archive"], deployments=deployments
        ) as s:
            yield s
    finally:
        print(f"\nservice logs: {workdir}")


async def triaged(stack: Stack, cid: str) -> dict[str, Any] | None:
    async with httpx.AsyncClient(base_url=stack.url("archive"), timeout=10, headers=ADMIN) as client:
        response = await client.get(f"/v1/complaints/{cid}")
    if response.status_code != 200:
        return None
    events = [e for e in response.json()["timeline"] if e["type"] == "ComplaintTriaged"]
    return events[0]["payload"] if events else None


async def is_triaged(stack: Stack, cid: str) -> bool:
    return await triaged(stack, cid) is not None


async def test_each_regime_is_triaged_by_its_own_deployment(per_regime: Stack) -> None:
    tenant = "deployments-group"
    await add_tenant(per_regime, tenant, ESTATES)
    trapped, petition = "電梯困人了，3號樓2單元，快來人", "我们12户业主联名反对停车费涨价"
    ids = await post_complaints(
        per_regime,
        [
            complaint(tenant, "dep-prm", 1, text=trapped),
            complaint(tenant, "dep-cs", 2, text=petition),
            complaint(tenant, "dep-prm", 3, text=petition),
        ],
    )
    results: dict[str, dict[str, Any]] = {}

    async def all_triaged() -> bool:
        for cid in ids:
            if cid not in results and (found := await triaged(per_regime, cid)):
                results[cid] = found
        return len(results) == len(ids)

    await wait_until(all_triaged, timeout=90, what="three triaged complaints in archive")
    prm_trapped, cs_petition, prm_petition = (results[cid] for cid in ids)
    assert (prm_trapped["regime"], prm_trapped["topic"], prm_trapped["urgency"]) == (
        PRM,
        "elevator_entrapment",
        "urgent",
    )
    assert prm_trapped["classifier"] == CLASSIFIER and prm_trapped["reasons"]
    # the same text, two regimes: 12 signatories is a group under 000 (≥10), not under 004 (≥20)
    assert (cs_petition["topic"], cs_petition["severity"], cs_petition["group"]) == ("fees", "group", True)
    assert (prm_petition["topic"], prm_petition["urgency"], prm_petition["group"]) == (
        "fees",
        "general",
        False,
    )
    # each deployment triaged only its own regime's complaints
    for deployment, regime in (("triage-prm", PRM), ("triage-cs", CS)):
        regimes = await per_regime.rows(deployment, "SELECT DISTINCT regime FROM triage_results")
        assert [r.regime for r in regimes] == [regime]


async def test_one_regime_keeps_flowing_while_the_other_deployment_is_down(per_regime: Stack) -> None:
    tenant = "deployments-outage"
    await add_tenant(per_regime, tenant, OUTAGE_ESTATES)
    per_regime.services["triage-prm"].kill()
    try:
        [cs_id, prm_id] = await post_complaints(
            per_regime,
            [
                complaint(tenant, "out-cs", 4, text="消防通道被私家车堵死了"),
                complaint(tenant, "out-prm", 5, text="楼道灯坏了一周没人修"),
            ],
        )
        await wait_until(
            lambda: is_triaged(per_regime, cs_id), timeout=60, what="the community-standard case"
        )
        assert await triaged(per_regime, prm_id) is None  # its deployment is down: it waits in Kafka
    finally:
        await per_regime.restart("triage-prm")
    found = await _eventually(per_regime, prm_id)
    assert found["regime"] == PRM and found["topic"] == "power"


async def _eventually(stack: Stack, cid: str) -> dict[str, Any]:
    await wait_until(lambda: is_triaged(stack, cid), timeout=90, what=f"{cid} triaged after the restart")
    found = await triaged(stack, cid)
    assert found is not None
    return found
