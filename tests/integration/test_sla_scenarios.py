"""Cases walked from received to closed through the real services, under a virtual clock,
and checked against ``tousu simulate``'s answer for the same scenario.

Every service of this stack reads its time from one clock file. For each scenario the test
sets the clock to the scenario's instants: the complaint is posted to intake at its
``received_at``, triage files it, dispatch opens a work order, and each action of the
scenario is done the way staff do it — over dispatch's HTTP API (the callback over the
callback service's) — at its instant. The SLA monitor fires, on its own, what comes due in
between. At the end, the monitor's clocks and escalations must be exactly those that
simulate computes for the same scenario with the classification the pipeline gave it, and
the events it published must have reached archive through the broker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.integration.harness import (
    ADMIN,
    Stack,
    add_tenant,
    post_complaint,
    running_stack,
    unaudited_acts,
    wait_until,
)
from tousu_shared.calendar import load_calendar
from tousu_shared.cases.classification import TextReading
from tousu_shared.cases.scenario import Scenario, instant, read_scenario, simulate
from tousu_shared.clock import FileClock
from tousu_shared.regimes import load_regime
from tousu_shared.regimes.model import Regime

pytestmark = pytest.mark.integration

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
#: one per regime at least, and the two whose estate sets parameters of its own
WALKS = [
    "community-standard/general-reply-national-day-reopen",
    "community-standard/group-signatories-registration-param",
    "logistics-service/plan-promise-reopen-resolution-param",
    "community-standard/major-fire-escape-spring-festival",
    "logistics-service/emergency-pipe-burst-national-day",
    "logistics-service/handover-breach-makeup-saturday",
    "service-station-sop/auto-upgrade-after-30-days",
    "service-station-sop/major-loss-report-breach-early-callback",
    "developer-customer-service/engineering-chain-within-warranty",
    "developer-customer-service/out-of-warranty-reopen",
    "property-role-matrix/urgent-elevator-entrapment-makeup-saturday",
    "property-role-matrix/general-plan-breach-review-item",
]
SERVICES = ("intake", "triage", "dispatch", "sla-monitor", "callback", "archive")


@pytest_asyncio.fixture(scope="module")
async def timed_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Stack, Path]]:
    workdir = tmp_path_factory.mktemp("sla-stack")
    clock = workdir / "clock"
    FileClock.write(clock, datetime.fromisoformat("2026-01-05T09:00:00+08:00"))
    env = {"TOUSU_CLOCK_FILE": str(clock), "TOUSU_SLA_POLL_SECONDS": "0.1"}
    try:
        async with running_stack(workdir, "sla", env=env, names=SERVICES) as stack:
            yield stack, clock
    finally:
        print(f"\nservice logs: {workdir}")


@pytest.mark.parametrize("walk", WALKS)
async def test_case_walk_matches_simulate(timed_stack: tuple[Stack, Path], walk: str) -> None:
    stack, clock = timed_stack
    scenario = read_scenario(SCENARIOS / f"{walk}.yaml")
    tenant = f"t-{walk.split('/')[1][:20]}"
    estate = f"{tenant}-e1"
    received = scenario.received_at
    FileClock.write(clock, received)
    await add_tenant(stack, tenant, {estate: scenario.regime}, scenario.parameters)
    regime = load_regime(scenario.regime)

    async with (
        httpx.AsyncClient(base_url=stack.url("intake"), timeout=15) as intake,
        httpx.AsyncClient(base_url=stack.url("dispatch"), timeout=15, headers=ADMIN) as dispatch,
        httpx.AsyncClient(base_url=stack.url("callback"), timeout=15, headers=ADMIN) as callback,
        httpx.AsyncClient(base_url=stack.url("sla-monitor"), timeout=15, headers=ADMIN) as monitor,
    ):
        c = scenario.complaint
        body = {"tenant_id": tenant, "estate_id": estate, "channel": c.channel, "text": c.text}
        body |= {"room": c.room or "1-1-101", "contact": {"name": "王女士", "phone": "13912345678"}}
        r = await post_complaint(intake, stack, body)
        assert r.status_code == 202, r.text
        complaint_id = r.json()["complaint_id"]
        work_order = await _work_order(dispatch, complaint_id)
        view = await _case_view(monitor, complaint_id, tenant, actions=0)

        for number, action in enumerate(scenario.actions, start=1):
            at = instant(action.at, received)
            FileClock.write(clock, at)
            details = dict(action.with_)
            if "due_at" in details:
                details["due_at"] = instant(str(details["due_at"]), received).isoformat()
            if action.do == "callback":
                cb = {"by": "staff-cs-1", "satisfied": details.get("satisfied", True)}
                cb |= {"comment": details["comment"]} if "comment" in details else {}
                r = await callback.post(f"/v1/complaints/{complaint_id}/callback", json=cb)
            else:
                team = await _let_the_warranty_decide(dispatch, tenant, estate, details, received)
                details |= _handover(regime, action.do)
                staff_action = {"verb": action.do, "by": "staff-1", **details}
                r = await dispatch.post(f"/v1/work-orders/{work_order}/actions", json=staff_action)
                if team is not None:  # 003: the estate's completion date chose the scenario's team
                    assert r.json()["to"] == team, r.text
            assert r.status_code == 202, f"action {number} ({action.do}): {r.status_code} {r.text}"
            view = await _case_view(monitor, complaint_id, tenant, actions=number)

        end = instant(scenario.run_until, received) if scenario.run_until else at
        FileClock.write(clock, end + timedelta(microseconds=1))
        view = await _case_view(monitor, complaint_id, tenant, actions=len(scenario.actions), fired_past=end)

    expected = _simulated(scenario, view["classification"])
    assert _clocks(view["clocks"]) == _clocks(expected["clocks"])
    assert view["escalations"] == expected["escalations"]
    assert (view["state"], view["review_item"]) == (expected["state"], expected["review_item"])
    await _published_to_archive(stack, complaint_id, expected)


async def _let_the_warranty_decide(
    dispatch: httpx.AsyncClient, tenant: str, estate: str, details: dict[str, Any], received: datetime
) -> str | None:
    """A scenario's dispatch to a builder's team is sent as 003's builder staff send it,
    ``to: builder_team``, after recording the estate's completion acceptance a month (within
    the warranty) or over a year (after it) before the complaint: the team it names."""
    team = details.get("to")
    if team not in ("builder_project_team", "builder_maintenance_group"):
        return None
    accepted = received - timedelta(days=30 if team == "builder_project_team" else 400)
    roster = {
        "tenant_id": tenant,
        "teams": [
            {"team_id": "b", "department": "engineering", "members": [{"staff_id": "e1", "name": "工"}]}
        ],
        "completion_accepted_on": accepted.date().isoformat(),
    }
    r = await dispatch.put(f"/v1/estates/{estate}/roster", json=roster)
    assert r.status_code == 200, r.text
    details["to"] = "builder_team"
    return str(team)


def _handover(regime: Regime, verb: str) -> dict[str, str]:
    """004: the dispatch hands the case over with its background and the owner's expectation."""
    if regime.handover is None or regime.handover.verb != verb:
        return {}
    return {"background": "业主称问题已持续两天", "expectation": "今天内有人上门处理"}


def _simulated(scenario: Scenario, filed: dict[str, Any]) -> dict[str, Any]:
    """simulate's answer for the scenario, filed as the pipeline filed it (triage's reading)."""
    reading = TextReading(filed["topic"], frozenset(filed["signals"]), filed["signatories"])
    keep = {"category", "department", "urgency", "severity"}
    same = scenario.model_copy(
        update={
            **{k: filed[k] for k in keep},
            "topic": None,
            "complaint": scenario.complaint.model_copy(
                update={"channel": filed["channel"], "signatories": 1}
            ),
        }
    )
    return simulate(same, load_regime(scenario.regime), load_calendar(), [], reader=lambda _: reading)


def _clocks(clocks: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    keys = ("name", "owner", "status", "started_at", "due_at", "stopped_at")
    return [tuple(c[k] for k in keys) for c in clocks]


async def _work_order(dispatch: httpx.AsyncClient, complaint_id: str) -> str:
    found: list[str] = []

    async def created() -> bool | int:
        r = await dispatch.get("/v1/work-orders", params={"complaint_id": complaint_id})
        items = r.json().get("items", []) if r.status_code == 200 else []
        found[:] = [i["work_order_id"] for i in items]
        return bool(found) or r.status_code

    await wait_until(created, 60, f"the work order of {complaint_id}", interval=0.2)
    return found[0]


async def _case_view(
    monitor: httpx.AsyncClient,
    complaint_id: str,
    tenant: str,
    *,
    actions: int,
    fired_past: datetime | None = None,
) -> dict[str, Any]:
    """The monitor's view once it applied ``actions`` actions (and fired what came due before
    ``fired_past``)."""
    seen: dict[str, Any] = {}

    async def caught_up() -> bool | str:
        r = await monitor.get(f"/v1/cases/{complaint_id}/clocks", params={"tenant": tenant})
        if r.status_code != 200:
            return f"{r.status_code}"
        seen.clear()
        seen.update(r.json())
        if seen["classification"] is None or seen["actions"] < actions:
            return f"actions {seen['actions']}/{actions}"
        due = seen["next_due_at"]
        if fired_past and due and datetime.fromisoformat(due) <= fired_past:
            return f"next due {due}"
        return True

    await wait_until(caught_up, 60, f"the monitor to apply {actions} actions of {complaint_id}", interval=0.2)
    return seen


async def _published_to_archive(stack: Stack, complaint_id: str, expected: dict[str, Any]) -> None:
    """What the monitor published went through Kafka: archive holds each escalation and breach once."""
    told = [e for e in expected["escalations"] if e["trigger"] != "manual"]
    breaches = [e for e in expected["events"] if e["type"] == "ClockBreached"]
    sql = "SELECT count(*) FROM case_events WHERE complaint_id = :c AND type = :t"

    async def arrived() -> bool | tuple[int, int]:
        raised = int(await stack.scalar("archive", sql, c=complaint_id, t="EscalationRaised"))
        breached = int(await stack.scalar("archive", sql, c=complaint_id, t="ClockBreached"))
        return True if (raised, breached) == (len(told), len(breaches)) else (raised, breached)

    await wait_until(arrived, 60, f"archive to hold {len(told)} escalations and {len(breaches)} breaches")


async def test_every_act_of_the_walks_is_in_the_audit_trail(timed_stack: tuple[Stack, Path]) -> None:
    """Runs after the walks (pytest keeps the module's order): each staff action they sent
    over HTTP has its audit record."""
    stack, _ = timed_stack
    await wait_until(lambda: unaudited_acts(stack), 30, "an audit record of every act")
