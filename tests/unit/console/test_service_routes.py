"""The two routes the console needed: intake's list of the caller's estates, and triage's
suggestion for a text before it is registered."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import text

from tests.unit.service_runtime import person, routes_client, service_runtime
from tousu_intake.app import SPEC as INTAKE
from tousu_intake.models import Estate
from tousu_triage.app import SPEC as TRIAGE

T0 = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


async def test_my_estates_are_the_callers_own_with_their_regime(tmp_path: Path) -> None:
    async with service_runtime(INTAKE, tmp_path, T0) as rt:
        async with rt.sessions() as session, session.begin():
            session.add_all(
                [
                    Estate(estate_id="e-1", tenant_id="t1", name="兰亭苑", regime="community-standard"),
                    Estate(estate_id="e-2", tenant_id="t1", name="翠湖", regime="logistics-service"),
                    Estate(estate_id="x-1", tenant_id="t2", name="别家", regime="logistics-service"),
                ]
            )
        async with routes_client(rt, person(rt, "kefu", "customer_service@e-2")) as client:
            one = (await client.get("/v1/my/estates")).json()
        async with routes_client(rt, person(rt, "zhijian", "quality_manager@*")) as client:
            group = (await client.get("/v1/my/estates")).json()
        async with routes_client(rt, {}) as client:
            anonymous = await client.get("/v1/my/estates")
    assert one == [
        {"estate_id": "e-2", "name": "翠湖", "regime": "logistics-service", "timezone": "Asia/Shanghai"}
    ]
    assert [e["estate_id"] for e in group] == ["e-1", "e-2"]  # never another group's
    assert anonymous.status_code == 401


async def test_a_suggestion_reads_the_text_as_triage_would_and_stores_nothing(tmp_path: Path) -> None:
    async with service_runtime(TRIAGE, tmp_path, T0) as rt:
        async with routes_client(rt, person(rt, "kefu", "customer_service@e-1")) as client:
            r = await client.post(
                "/v1/triage/suggest",
                json={"regime": "logistics-service", "text": "3号楼电梯困人了，有人被关在里面"},
            )
            unknown = await client.post("/v1/triage/suggest", json={"regime": "no-such", "text": "漏水"})
            empty = await client.post("/v1/triage/suggest", json={"regime": "logistics-service", "text": " "})
        async with routes_client(rt, {}) as client:
            anonymous = await client.post(
                "/v1/triage/suggest", json={"regime": "logistics-service", "text": "漏水"}
            )
        async with rt.engine.connect() as conn:
            stored = (await conn.execute(text("SELECT count(*) FROM triage_results"))).scalar()
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["topic"], body["department"], body["urgency"]) == (
        "elevator_entrapment",
        "engineering",
        "urgent",
    )
    assert unknown.status_code == 404 and empty.status_code == 400 and anonymous.status_code == 401
    assert stored == 0


async def test_escalations_waiting_for_me_are_my_roles_open_cases_in_my_estates(tmp_path: Path) -> None:
    from tousu_archive.app import SPEC as ARCHIVE
    from tousu_archive.models import CaseEvent, CaseFile

    def case(cid: str, estate: str, status: str = "dispatched", tenant: str = "t1") -> CaseFile:
        return CaseFile(
            complaint_id=cid, tenant_id=tenant, estate_id=estate, status=status, updated_at=T0, escalations=1
        )

    def raised(cid: str, to_role: str, n: int) -> CaseEvent:
        payload = {"to_role": to_role, "reason": "超时", "trigger": "breach", "clock": "onsite"}
        return CaseEvent(
            event_id=f"ev-{cid}-{n}",
            complaint_id=cid,
            type="EscalationRaised",
            schema_version=1,
            topic="sla.events",
            occurred_at=T0,
            payload=orjson.dumps(payload).decode(),
        )

    async with service_runtime(ARCHIVE, tmp_path, T0) as rt:
        async with rt.sessions() as session, session.begin():
            session.add_all([case("c-1", "e-1"), case("c-2", "e-1", status="closed"), case("c-3", "e-2"),
                             case("c-4", "e-1", tenant="t2")])  # fmt: skip
            session.add_all([raised("c-1", "station_head", 1), raised("c-1", "quality_manager", 2),
                             raised("c-2", "station_head", 3), raised("c-3", "station_head", 4),
                             raised("c-4", "station_head", 5)])  # fmt: skip
        async with routes_client(rt, person(rt, "zhanzhang", "station_head@e-1")) as client:
            mine = (await client.get("/v1/escalations?mine=true")).json()["items"]
            everyone = (await client.get("/v1/escalations")).json()["items"]
    assert [(e["complaint_id"], e["to_role"]) for e in mine] == [("c-1", "station_head")]
    assert sorted(e["to_role"] for e in everyone) == ["quality_manager", "station_head"]  # still only c-1


async def test_open_clocks_of_many_cases_at_once_only_my_groups_and_estates(tmp_path: Path) -> None:
    from datetime import timedelta

    from tousu_sla_monitor.app import SPEC as SLA
    from tousu_sla_monitor.models import SlaClockRun

    def run(cid: str, n: int, estate: str = "e-1", tenant: str = "t1", is_open: bool = True) -> SlaClockRun:
        return SlaClockRun(
            complaint_id=cid,
            run=n,
            tenant_id=tenant,
            estate_id=estate,
            department="engineering",
            name=f"clock-{n}",
            target="15 minutes",
            status="running" if is_open else "met",
            is_open=is_open,
            started_at=T0,
            due_at=T0 + timedelta(minutes=15 * n),
        )

    async with service_runtime(SLA, tmp_path, T0) as rt:
        async with rt.sessions() as session, session.begin():
            mine = [run("c-1", 2), run("c-1", 1), run("c-1", 3, is_open=False)]
            session.add_all([*mine, run("c-2", 1, estate="e-2"), run("c-3", 1, tenant="t2")])
        async with routes_client(rt, person(rt, "kefu", "customer_service@e-1")) as client:
            found = (await client.get("/v1/open-clocks?complaint_ids=c-1,c-2,c-3")).json()["items"]
            too_many = await client.get(
                "/v1/open-clocks?complaint_ids=" + ",".join(f"c{i}" for i in range(201))
            )
    assert [(c["complaint_id"], c["name"]) for c in found] == [("c-1", "clock-1"), ("c-1", "clock-2")]
    assert too_many.status_code == 400


async def test_each_channel_account_says_when_it_last_received_and_how_much_in_a_day(tmp_path: Path) -> None:
    """The operator's channel status: a silent account stands out (its group's only)."""
    from datetime import timedelta

    from tousu_intake.models import ChannelAccount, Complaint
    from tousu_shared.admin_token import admin_token

    def account(account_id: str, tenant: str) -> ChannelAccount:
        return ChannelAccount(
            account_id=account_id,
            channel="http",
            tenant_id=tenant,
            estates="e-1",
            secret_sealed="x",
            created_at=T0,
        )

    def complaint(n: int, account_id: str, hours_ago: float, tenant: str = "t1") -> Complaint:
        return Complaint(
            complaint_id=f"c-{n}", tenant_id=tenant, estate_id="e-1", regime="community-standard",
            channel="http", account_id=account_id, text="漏水", contact_ref="r",
            received_at=T0 - timedelta(hours=hours_ago),
        )  # fmt: skip

    async with service_runtime(INTAKE, tmp_path, T0) as rt:
        async with rt.sessions() as session, session.begin():
            session.add_all([account("app", "t1"), account("silent", "t1"), account("theirs", "t2")])
            session.add_all([complaint(1, "app", 30), complaint(2, "app", 5), complaint(3, "app", 0.5)])
            session.add(complaint(4, "theirs", 1, tenant="t2"))
        operator = {"authorization": f"Bearer {admin_token(tmp_path)}"}
        async with routes_client(rt, operator) as client:
            listed = (await client.get("/v1/channel-accounts", params={"tenant_id": "t1"})).json()
    status = {a["account_id"]: (a["last_received_at"], a["received_last_24h"]) for a in listed}
    assert status == {
        "app": ((T0 - timedelta(hours=0.5)).isoformat().replace("+00:00", "Z"), 2),
        "silent": (None, 0),
    }
