"""The callback loop through the real broker, under 003 (谁受理谁回访; a dissatisfied owner
sends the case back to the handling unit), in virtual time:

a water leak comes in by the app → the clerk dispatches it (so the clerk is its receiver) →
engineering goes on site and resolves it → a callback task for the clerk, due 24 h after
the resolution → the first call is not answered (the next try 4 h later) → the second call:
dissatisfied → the case is reopened, back in engineering's queue with its fix clock
restarted from the reopening → resolved again → a second task; the clerk hands the
resident the online survey link, who answers it: satisfied → closed. Then every clock is
checked against the rulebook's
numbers, the outcomes per department, the feedback form (PDF, its text read back), and the
survey link refusing a second use.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.integration.harness import add_tenant, complaint, post_complaint, running_stack, wait_until
from tousu_cli.main import app as cli
from tousu_shared.clock import FileClock

pytestmark = pytest.mark.integration

TENANT, ESTATE = "cb-group", "cb-estate-1"
T0 = datetime.fromisoformat("2026-04-06T09:00:00+08:00")
NAMES = ["intake", "triage", "dispatch", "sla-monitor", "callback", "archive"]


async def test_dissatisfied_reopens_then_satisfied_closes_with_the_right_clocks(tmp_path: Path) -> None:
    clock = tmp_path / "clock"
    FileClock.write(clock, T0)
    env = {
        "TOUSU_CLOCK_FILE": str(clock),
        "TOUSU_SLA_POLL_SECONDS": "0.1",
        "TOUSU_RETENTION_CHECK_SECONDS": "0.5",
    }
    async with running_stack(tmp_path, "cbl", env=env, names=NAMES) as stack:
        await add_tenant(stack, TENANT, {ESTATE: "developer-customer-service"})
        clerk = stack.person("clerk-1", TENANT, f"customer_service@{ESTATE}")
        engineer = stack.person("eng-1", TENANT, f"engineering@{ESTATE}")
        manager = stack.person("qm-1", TENANT, f"quality_manager@{ESTATE}")
        async with (
            httpx.AsyncClient(base_url=stack.url("intake"), timeout=15) as intake,
            httpx.AsyncClient(base_url=stack.url("dispatch"), timeout=15) as dispatch,
            httpx.AsyncClient(base_url=stack.url("callback"), timeout=15) as callback,
            httpx.AsyncClient(base_url=stack.url("sla-monitor"), timeout=15) as monitor,
        ):
            r = await post_complaint(intake, stack, complaint(TENANT, ESTATE, 1, channel="app"))  # 漏水
            assert r.status_code == 202, r.text
            cid = r.json()["complaint_id"]
            order = await _work_order(dispatch, cid, clerk)

            applied = 0

            async def act(at: timedelta, verb: str, who: dict[str, str], **extra: Any) -> None:
                """A staff action at ``T0 + at``; time moves on only once the monitor applied it
                (as in real time: an action's clock is never overtaken by the next instant)."""
                nonlocal applied
                FileClock.write(clock, T0 + at)
                r = await dispatch.post(
                    f"/v1/work-orders/{order}/actions", json={"verb": verb, **extra}, headers=who
                )
                assert r.status_code == 202, f"{verb}: {r.text}"
                applied += 1
                await _applied(monitor, cid, clerk, applied)

            await act(timedelta(minutes=30), "dispatch", clerk, to="engineering")
            await act(timedelta(hours=2), "onsite", engineer)
            resolved_1 = timedelta(hours=20)
            await act(resolved_1, "resolve", engineer, note="更换破损防水层，闭水试验无渗漏")

            # a task for the clerk who took the complaint in, due 24 h after the resolution
            first = await _task(callback, cid, clerk, round_=1)
            assert (first["assignee_role"], first["assignee"]) == ("receiver", "clerk-1")
            assert first["due_at"] == _at(resolved_1 + timedelta(hours=24))
            assert (first["not_before"], first["attempts_allowed"]) == (None, 3)
            # the app's channel delivers no replies: no survey link went out by itself
            assert (first["channels"], first["survey_sent"]) == (["phone", "visit"], False)
            full = (await callback.get(f"/v1/callbacks/{first['task_id']}", headers=clerk)).json()
            assert "更换破损防水层" in " ".join(full["script"]["what_was_done"] + [full["script"]["result"]])

            FileClock.write(clock, T0 + resolved_1 + timedelta(hours=2))
            r = await callback.post(
                f"/v1/callbacks/{first['task_id']}/attempts", json={"outcome": "no_answer"}, headers=clerk
            )
            assert r.status_code == 201, r.text
            assert r.json()["next_attempt_at"] == _at(resolved_1 + timedelta(hours=6))

            unhappy = resolved_1 + timedelta(hours=6)
            FileClock.write(clock, T0 + unhappy)
            answer = {
                "satisfaction": "dissatisfied",
                "score": 2,
                "comment": "天花板还在发霉",
                "channel": "phone",
            }
            r = await callback.post(f"/v1/complaints/{cid}/callback", json=answer, headers=clerk)
            assert r.status_code == 202, r.text
            assert r.json()["task_id"] == first["task_id"]
            applied += 1

            # reopened: back in engineering's queue, its fix clock restarted from the reopening
            await _state(monitor, cid, clerk, "reopened")
            queue = await _queue(monitor, clerk, cid)
            assert [(q["name"], q["started_at"], q["due_at"]) for q in queue] == [
                ("property_fix", _at(unhappy), _at(unhappy + timedelta(days=3)))
            ]
            work_order = (await dispatch.get(f"/v1/work-orders/{order}", headers=clerk)).json()
            assert (work_order["status"], work_order["reopened"], work_order["reopen_reason"]) == (
                "reopened",
                1,
                "天花板还在发霉",
            )  # back to the handling unit with the resident's reason

            resolved_2 = unhappy + timedelta(days=1)
            await act(resolved_2, "resolve", engineer, note="铲除霉变层并重新批荡涂刷")
            second = await _task(callback, cid, clerk, round_=2)
            assert second["due_at"] == _at(resolved_2 + timedelta(hours=24))

            FileClock.write(clock, T0 + resolved_2 + timedelta(hours=3))
            r = await callback.post(f"/v1/callbacks/{second['task_id']}/survey", headers=clerk)
            assert r.status_code == 201, r.text
            link = r.json()["url"]
            # the clerk hands it over (by mail it goes by itself: test_email_channel)
            assert r.json()["sent_to_resident"] is False
            happy = resolved_2 + timedelta(hours=5)
            FileClock.write(clock, T0 + happy)
            page = await callback.get(link.removeprefix(stack.url("callback")))
            assert page.status_code == 200 and "铲除霉变层" in page.text
            form = {"satisfaction": "satisfied", "score": "5", "comment": "修好了，谢谢"}
            path = link.removeprefix(stack.url("callback"))
            assert (await callback.post(path, data=form)).status_code == 201
            again = await callback.post(path, data=form)
            assert again.status_code == 410, again.text

            view = await _state(monitor, cid, clerk, "closed")
            runs = [
                (c["name"], c["status"], c["started_at"], c["due_at"], c["stopped_at"])
                for c in view["clocks"]
            ]
            onsite = timedelta(hours=2)
            assert [r for r in runs if r[0] in ("property_fix", "callback")] == [
                ("property_fix", "met", _at(onsite), _at(onsite + timedelta(days=3)), _at(resolved_1)),
                ("callback", "met", _at(resolved_1), _at(resolved_1 + timedelta(hours=24)), _at(unhappy)),
                ("property_fix", "met", _at(unhappy), _at(unhappy + timedelta(days=3)), _at(resolved_2)),
                ("callback", "met", _at(resolved_2), _at(resolved_2 + timedelta(hours=24)), _at(happy)),
            ]
            assert await _queue(monitor, clerk, cid) == []

            tasks = await _tasks(callback, cid, clerk)
            assert [
                (t["round"], t["status"], t["outcome"], t["attempts"], t["reopened_case"]) for t in tasks
            ] == [
                (1, "done", "dissatisfied", 2, True),
                (2, "done", "satisfied", 1, False),
            ]
            r = await callback.get("/v1/callbacks/summary", params={"estate": ESTATE}, headers=manager)
            [engineering] = r.json()["departments"]
            assert engineering | {"average_score": None} == {
                "department": "engineering",
                "tasks": 2,
                "open": 0,
                "cancelled": 0,
                "reopened": 1,
                "satisfied": 1,
                "basically_satisfied": 0,
                "dissatisfied": 1,
                "unreachable": 0,
                "satisfaction_rate": 0.5,
                "average_score": None,
            }
            assert engineering["average_score"] == 3.5

            pdf = await callback.get(f"/v1/complaints/{cid}/feedback-form.pdf", headers=manager)
            assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
            text = _pdf_text(pdf.content)
            for expected in (
                cid,
                "不满意",
                "满意",
                "天花板还在发霉",
                "修好了，谢谢",
                "铲除霉变层",
                "重开次数",
            ):
                assert expected in text, expected

            await _archived(stack.url("archive"), cid, manager)
            # 003 keeps a case file 3 years (retention_years); a day after that, every service
            # has let go of the resident's personal data, and the audit trail says so
            FileClock.write(clock, T0 + happy + timedelta(days=3 * 365 + 2))
            await _purged_everywhere(stack, intake, cid, clerk, manager)
            # the month's report still counts the case, fetched as a manager would from the CLI
            _report_from_the_cli(stack.url("archive"), manager, tmp_path)


async def _purged_everywhere(
    stack: Any, intake: httpx.AsyncClient, cid: str, clerk: dict[str, str], manager: dict[str, str]
) -> None:
    async def gone() -> bool | str:
        left = {
            "archive": await stack.scalar(
                "archive", "SELECT summary FROM case_files WHERE complaint_id = :c", c=cid
            ),
            "intake contact": await stack.scalar(
                "intake",
                "SELECT count(*) FROM intake_contacts WHERE contact_ref IN "
                "(SELECT contact_ref FROM intake_complaints WHERE complaint_id = :c)",
                c=cid,
            ),
            "intake text": await stack.scalar(
                "intake", "SELECT text FROM intake_complaints WHERE complaint_id = :c", c=cid
            ),
            "callback": await stack.scalar(
                "callback", "SELECT summary FROM callback_intake_facts WHERE complaint_id = :c", c=cid
            ),
            "callback comments": await stack.scalar(
                "callback",
                "SELECT count(*) FROM callback_tasks WHERE complaint_id = :c AND comment IS NOT NULL",
                c=cid,
            ),
            "dispatch notes": await stack.scalar(
                "dispatch",
                "SELECT count(*) FROM work_order_actions a "
                "JOIN work_orders w ON w.work_order_id = a.work_order_id "
                "WHERE w.complaint_id = :c AND (a.note IS NOT NULL OR a.reason IS NOT NULL)",
                c=cid,
            ),
        }
        still = {k: v for k, v in left.items() if v not in (None, "", 0)}
        return True if not still else f"still there: {still}"

    await wait_until(gone, 60, "the purge, in every service")
    r = await intake.post(f"/v1/complaints/{cid}/contact", json={"purpose": "回访"}, headers=clerk)
    assert r.status_code == 410, r.text
    async with httpx.AsyncClient(base_url=stack.url("archive"), headers=manager, timeout=15) as archive:
        case = (await archive.get(f"/v1/complaints/{cid}")).json()
        assert case["purged_at"] and (case["status"], case["category"], case["callbacks"]) == (
            "closed",
            "engineering-quality",
            2,
        )
        received = next(e for e in case["timeline"] if e["type"] == "ComplaintReceived")
        assert received["payload"]["text"] is None and received["payload"]["contact"] is None
        assert "修好了" not in str(case["timeline"]) and "漏水" not in str(case["timeline"])

        async def audited() -> bool:
            r = await archive.get("/v1/audit", params={"complaint_id": cid, "action": "case.purge"})
            return r.json()["total"] == 1

        await wait_until(audited, 30, "the purge's audit record")


def _report_from_the_cli(archive: str, manager: dict[str, str], tmp_path: Path) -> None:
    token = manager["authorization"].removeprefix("Bearer ")
    out = tmp_path / "april.xlsx"
    common = ["--archive", archive, "--token", token]
    result = CliRunner().invoke(cli, ["report", "monthly", "2026-04", "--out", str(out), *common])
    assert result.exit_code == 0, result.output
    summary = {
        r[0]: r[1] for r in load_workbook(out)["概况 Summary"].iter_rows(values_only=True) if r and r[0]
    }
    assert (summary["案件 Cases"], summary["已结 Closed"], summary["重开 Reopened"]) == (1, 1, 1)
    result = CliRunner().invoke(cli, ["report", "monthly", "2026-13", *common])
    assert result.exit_code == 1 and "YYYY-MM" in result.output


def _at(offset: timedelta) -> str:
    return (T0 + offset).isoformat()


async def _work_order(dispatch: httpx.AsyncClient, cid: str, who: dict[str, str]) -> str:
    found: list[str] = []

    async def created() -> bool:
        r = await dispatch.get("/v1/work-orders", params={"complaint_id": cid}, headers=who)
        found[:] = [w["work_order_id"] for w in r.json().get("items", [])]
        return bool(found)

    await wait_until(created, 60, f"a work order for {cid}")
    return found[0]


async def _tasks(callback: httpx.AsyncClient, cid: str, who: dict[str, str]) -> list[dict[str, Any]]:
    r = await callback.get("/v1/callbacks", params={"complaint_id": cid}, headers=who)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return sorted(items, key=lambda t: t["round"])


async def _task(callback: httpx.AsyncClient, cid: str, who: dict[str, str], round_: int) -> dict[str, Any]:
    seen: list[dict[str, Any]] = []

    async def opened() -> bool | int:
        seen[:] = [
            t for t in await _tasks(callback, cid, who) if t["round"] == round_ and t["status"] == "open"
        ]
        return bool(seen)

    await wait_until(opened, 60, f"callback task {round_} of {cid}")
    return seen[0]


async def _state(monitor: httpx.AsyncClient, cid: str, who: dict[str, str], state: str) -> dict[str, Any]:
    view: dict[str, Any] = {}

    async def reached() -> bool | str:
        r = await monitor.get(f"/v1/cases/{cid}/clocks", headers=who)
        view.update(r.json())
        return True if view.get("state") == state else str(view.get("state"))

    await wait_until(reached, 60, f"{cid} {state}")
    return view


async def _applied(monitor: httpx.AsyncClient, cid: str, who: dict[str, str], actions: int) -> None:
    async def caught_up() -> bool | str:
        r = await monitor.get(f"/v1/cases/{cid}/clocks", headers=who)
        seen = r.json().get("actions", 0) if r.status_code == 200 else r.status_code
        return True if seen == actions else f"{seen}/{actions} actions"

    await wait_until(caught_up, 60, f"the monitor to apply {actions} actions of {cid}", interval=0.2)


async def _queue(monitor: httpx.AsyncClient, who: dict[str, str], cid: str) -> list[dict[str, Any]]:
    r = await monitor.get("/v1/queues/engineering", headers=who)
    assert r.status_code == 200, r.text
    return [q for q in r.json()["items"] if q["complaint_id"] == cid]


def _pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(io.BytesIO(content))
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


async def _archived(archive_url: str, cid: str, who: dict[str, str]) -> None:
    """Archive's case file followed the case to its end, and the household dossier holds it."""
    async with httpx.AsyncClient(base_url=archive_url, headers=who, timeout=15) as archive:

        async def filed() -> bool | str:
            case = (await archive.get(f"/v1/complaints/{cid}")).json()
            got = (case.get("status"), case.get("reopened"), case.get("callbacks"), case.get("satisfaction"))
            return True if got == ("closed", 1, 2, "satisfied") else str(got)

        await wait_until(filed, 60, "archive's case file closed")
        case = (await archive.get(f"/v1/complaints/{cid}")).json()
        assert (case["breaches"], case["department"], case["building"]) == (
            0,
            "engineering",
            case["room"].split("-")[0],
        )
        r = await archive.get(f"/v1/households/{ESTATE}/{case['room']}")
        assert cid in [c["complaint_id"] for c in r.json()["cases"]]
        r = await archive.get("/v1/complaints", params={"q": "漏水", "status": "closed"})
        assert [c["complaint_id"] for c in r.json()["items"]] == [cid]
