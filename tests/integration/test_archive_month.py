"""A generated month of traffic, published on the real broker on the topics the services
write, filed by the real archive service into PostgreSQL; its monthly report, region and
estate reports, and the monthly export add up to the figures recomputed from the raw events."""

from __future__ import annotations

import zipfile
from collections import Counter
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from tests.integration.harness import kafka_bootstrap, running_stack, wait_until
from tests.unit.archive.filing import MONTH_START
from tests.unit.archive.test_reports import expected_totals, recompute
from tousu_archive.sample_month import MonthSpec, generate
from tousu_shared.contracts.case_events import ACTION_EVENTS
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.outbox import envelope_headers

pytestmark = pytest.mark.integration

ESTATES = {
    "am-01": "community-standard",
    "am-02": "logistics-service",
    "am-03": "service-station-sop",
    "am-04": "developer-customer-service",
    "am-05": "property-role-matrix",
    "am-06": "property-role-matrix",
}
_SLA = {"EscalationRaised", "SeverityAutoUpgraded", "CaseStateChanged"}
_ACTIONS = {model.__name__ for model in ACTION_EVENTS.values()}


def topic_of(topics: Topics, event: Envelope) -> str:
    """Where the services publish each event type."""
    if event.type in ("ComplaintReceived", "ComplaintRejected"):
        return topics.received(str(event.payload["regime"]))
    if event.type == "ComplaintTriaged":
        return topics.triaged
    if event.type.startswith("Clock") or event.type in _SLA:
        return topics.sla
    if event.type == "CallbackRecorded":
        return topics.callbacks
    assert event.type in _ACTIONS | {"WorkOrderCreated", "WorkOrderAssigned"}, event.type
    return topics.workorders


async def test_a_generated_month_on_the_broker_reports_what_its_events_say(tmp_path: Path) -> None:
    month = generate(MonthSpec("am-group", ESTATES, MONTH_START, cases=1500, seed=5))
    async with running_stack(tmp_path, "am", names=["archive"]) as stack:
        topics = Topics(stack.topic_prefix)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap(), linger_ms=20)
        await producer.start()
        try:
            sent = [
                await producer.send(
                    topic_of(topics, e),
                    e.to_bytes(),
                    key=e.complaint_id.encode(),
                    headers=[(k, v.encode()) for k, v in envelope_headers(e).items()],
                )
                for e in month.events
            ]
            await producer.flush()
            for future in sent:
                await future
        finally:
            await producer.stop()

        async def filed() -> bool | str:
            n = await stack.scalar("archive", "SELECT coalesce(sum(event_count), 0) FROM case_files")
            return True if n == len(month.events) else f"{n} of {len(month.events)} events"

        await wait_until(filed, 240, "the month filed by archive", interval=2)
        manager = stack.person("qm-am", "am-group", "quality_manager@*")
        async with httpx.AsyncClient(base_url=stack.url("archive"), headers=manager, timeout=60) as archive:
            for complaint_id, _, found, staff, _ in month.reviews:
                r = await archive.post(
                    f"/v1/complaints/{complaint_id}/review",
                    json={"substantiated": found, "staff": list(staff)},
                )
                assert r.status_code == 201, r.text
            r = await archive.get("/v1/reports/monthly", params={"period": "2026-11"})
            assert r.status_code == 200, r.text
            report = r.json()
            raw = recompute(month, MONTH_START, MONTH_START.replace(month=12))
            assert {k: report["totals"][k] for k in expected_totals(raw)} == expected_totals(raw)
            categories = Counter(c["category"] for c in raw["cases"].values())
            assert {row["name"]: row["cases"] for row in report["by_category"]} == categories
            per_clock = {row["clock"]: (row["met"], row["late"]) for row in report["by_clock"]}
            assert per_clock == {
                name: (sum(k[1] == name for k in raw["met"]), sum(k[1] == name for k in raw["late"]))
                for name in {k[1] for k in raw["met"] | raw["late"]}
            }
            found = Counter(s for _, _, ok, staff, _ in month.reviews if ok for s in staff)
            assert {row["staff_id"]: row["substantiated"] for row in report["staff_ladder"]} == found

            r = await archive.put("/v1/regions/south", json={"estates": ["am-05", "am-06"]})
            assert r.status_code == 200, r.text
            r = await archive.get(
                "/v1/reports/monthly", params={"period": "2026-11", "scope": "region:south"}
            )
            assert r.json()["totals"]["cases"] == sum(
                c["estate"] in ("am-05", "am-06") for c in raw["cases"].values()
            )

            r = await archive.get("/v1/exports/2026-11.zip")
            assert r.status_code == 200, r.text
            with zipfile.ZipFile(BytesIO(r.content)) as export:
                lines = export.read("cases.jsonl").splitlines()
            assert len(lines) == len(raw["cases"]) + raw["rejected"]
