"""For the platform team (people with ``operator: true`` in the people file): the regimes and
their versions, a scenario run under virtual time to see its clocks, the holiday calendars,
the group's channel accounts and the dead-letter topics. Read-only: changes go through
files, the CLI and the admin API, where they are reviewed and audited."""

from __future__ import annotations

import asyncio
import os
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.params import Body
from litestar.response import Template
from pydantic import BaseModel

from tousu_console.backend import BackendError
from tousu_console.runtime import console_of
from tousu_console.session import SignedIn, page_context, signed_in
from tousu_shared.admin_token import admin_token
from tousu_shared.calendar import CALENDAR_DIR_ENV, CalendarFileError, load_calendar
from tousu_shared.calendar.loader import read_region, shipped_calendar_dir
from tousu_shared.cases.scenario import ScenarioError, parse_scenario, simulate
from tousu_shared.kafka_auth import client_options, kafka_security
from tousu_shared.kafka_offsets import dlq_counts
from tousu_shared.regimes import RegimeFileError, UnknownRegimeError, list_regimes, load_regime

#: a scenario to start from (examples/scenarios/ has one per rule worth showing): 004's urgent
#: elevator complaint, on site in 12 minutes, resolved, called back
EXAMPLE = """regime: property-role-matrix
received_at: "2026-12-07T10:00:00+08:00"
complaint:
  channel: phone
  text: 3号楼电梯困人了，有人被关在里面
  room: "3-1-1201"
actions:
  - {at: "+3m", do: dispatch}
  - {at: "+12m", do: onsite}
  - {at: "+2h", do: resolve}
  - {at: "+1d", do: callback, with: {satisfied: true}}
"""


class ScenarioForm(BaseModel):
    scenario: str


def operator(request: Request[Any, Any, Any]) -> SignedIn:
    who = signed_in(request)
    if not who.operator:
        raise PermissionDeniedException("the operator pages are for the platform team (operator: true)")
    return who


@get("/ops", include_in_schema=False)
async def ops_page(request: Request[Any, Any, Any]) -> Template:
    who = operator(request)
    console = console_of(request)
    problems: list[str] = []
    accounts: list[dict[str, Any]] = []
    try:
        accounts = await console.backend.get(
            "intake", "/v1/channel-accounts", admin_token(console.data_dir), tenant_id=who.tenant
        )
    except BackendError as exc:
        problems.append(f"channel accounts: {exc.message}")
    dead: dict[str, int] = {}
    service = console.service
    try:
        options = client_options(kafka_security(service))
        dead = await asyncio.wait_for(dlq_counts(service.kafka_bootstrap, options, service.topic_prefix), 10)
    except Exception as exc:  # the page still shows the rest
        problems.append(f"dead letters: Kafka is not answering ({type(exc).__name__})")
    calendar: list[dict[str, Any]] = []
    try:
        calendar = _calendar()
    except CalendarFileError as exc:
        problems.append(f"holiday calendar: {exc}")
    context = page_context(
        request,
        who,
        regimes=_regimes(),
        calendar=calendar,
        accounts=accounts,
        dead=dead,
        problems=problems,
    )
    return Template("ops.html", context=context)


@get("/ops/regimes/{ref:str}", include_in_schema=False)
async def regime_page(request: Request[Any, Any, Any], ref: str) -> Template:
    who = operator(request)
    try:
        regime = load_regime(ref)
    except (UnknownRegimeError, RegimeFileError) as exc:
        return Template("ops_regime.html", context=page_context(request, who, regime=None, error=str(exc)))
    return Template("ops_regime.html", context=page_context(request, who, regime=regime, error=None))


@get("/ops/simulate", include_in_schema=False)
async def simulate_page(request: Request[Any, Any, Any]) -> Template:
    who = operator(request)
    return Template("ops_simulate.html", context=page_context(request, who, scenario=EXAMPLE, result=None))


@post("/ops/simulate", include_in_schema=False, status_code=200)
async def run_simulation(
    request: Request[Any, Any, Any],
    data: Annotated[ScenarioForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template:
    who = operator(request)
    result, error = None, None
    try:
        result = await asyncio.to_thread(_simulate, data.scenario)
    except (ScenarioError, UnknownRegimeError, RegimeFileError, CalendarFileError, LookupError) as exc:
        error = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    context = page_context(request, who, scenario=data.scenario, result=result, error=error)
    return Template("ops_simulate.html", context=context, status_code=200 if error is None else 422)


def _simulate(text: str) -> dict[str, Any]:
    scenario = parse_scenario(text)
    regime = load_regime(scenario.regime)
    calendar = load_calendar()
    result = simulate(scenario, regime, calendar, [], reader=_reader().read)
    result["warnings"] = calendar.warnings
    return result


@cache
def _reader() -> Any:
    """Triage's reader, as `tousu simulate` uses it (its dictionaries load on first use)."""
    from tousu_triage.classifier import Reader

    return Reader()


def _regimes() -> list[dict[str, Any]]:
    return [
        {"ref": r.ref, "name": r.name, "clocks": len({c.name for c in r.clocks}), "source": r.source}
        for r in list_regimes()
    ]


def _calendar() -> list[dict[str, Any]]:
    """The holiday files the SLA monitor reads: ``TOUSU_CALENDAR_DIR``'s, else the shipped ones."""
    chosen = os.environ.get(CALENDAR_DIR_ENV)
    root = Path(chosen) if chosen else shipped_calendar_dir()
    return [
        {"year": f.year, "holidays": len(f.holidays), "workdays": len(f.workdays), "source": f.source}
        for f in read_region(root, "cn")
    ]
