"""What the chaos run checks once everything settled, counted from each service's own
database and from the broker: nothing lost, nothing doubled, every due clock fired once,
nothing dead-lettered.

The tallies are counts, never verdicts: the test asserts on them and the report shows
them, so a broken invariant is visible as a number in both.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.chaos.load import Answers, LoadGenerator
from tests.integration.harness import Stack, dlq_messages, read_events, unsent_outbox_rows

FIRINGS = ("ClockWarning", "ClockBreached")
#: a clock run: one start of one clock of a case (a restarted clock is a new run)
RunKey = tuple[str, str, datetime]


@dataclass
class Tallies:
    sent: int = 0  # complaints the load generator offered
    accepted: int = 0  # taken by intake (2xx), each once
    never_accepted: int = 0
    registered: int = 0  # complaints of the run in intake's database
    registered_twice: int = 0  # keys intake stored more than once
    archived: int = 0  # accepted complaints in their case file, with the work order
    lost: int = 0  # accepted, and not archived
    unknown_case_files: int = 0  # case files of the run's tenants that no accepted complaint explains
    work_orders: int = 0
    complaints_with_two_work_orders: int = 0
    complaints_without_work_order: int = 0
    timeline_work_orders_twice: int = 0  # WorkOrderCreated more than once in a case's timeline
    events_applied_twice: int = 0  # case files whose event count is not the events they stored
    clocks_due: int = 0  # clock runs whose due instant passed with the clock still running
    clocks_fired: int = 0  # … that fired exactly one ClockBreached, on sla.events and in archive
    clocks_never_fired: int = 0
    clocks_fired_twice: int = 0
    clocks_fired_not_due: int = 0  # ClockBreached for a run that was not due
    warnings_fired: int = 0
    warnings_fired_twice: int = 0
    due_clocks_without_warning: int = 0
    archive_runs_not_late: int = 0  # due runs whose outcome in archive's clock runs is not "late"
    dlq_topics: int = 0
    dlq_messages: int = 0
    dlq_by_topic: dict[str, int] = field(default_factory=dict)
    unsent_outbox_rows: int = 0
    unsent_dlq_rows: int = 0
    #: events consumers got again and skipped (reported, not required: whether a kill lands
    #: between a commit and its acknowledgement is chance; 12 to 220 in the runs so far)
    redeliveries_dropped: int = 0


async def tally(stack: Stack, load: LoadGenerator, tenants: list[str], clock_end: datetime) -> Tallies:
    t = Tallies(sent=len(load.submissions), accepted=len(load.accepted))
    t.never_accepted = t.sent - t.accepted
    ids = sorted(s.complaint_id for s in load.accepted if s.complaint_id)
    await _intake(stack, t, tenants)
    await _archive_and_dispatch(stack, t, tenants, ids)
    await _clocks(stack, t, tenants, ids, clock_end)
    t.dlq_by_topic = await dlq_messages(stack)
    t.dlq_topics, t.dlq_messages = len(t.dlq_by_topic), sum(t.dlq_by_topic.values())
    t.unsent_outbox_rows = sum((await unsent_outbox_rows(stack)).values())
    t.unsent_dlq_rows = sum((await unsent_outbox_rows(stack, dlq_only=True)).values())
    t.redeliveries_dropped = sum(
        _skipped(svc.log_path.read_text(errors="replace")) for svc in stack.services.values()
    )
    return t


def _skipped(log: str) -> int:
    """Events a service's consumers skipped as already processed, from its log (one line per batch)."""
    total = 0
    for line in log.splitlines():
        if '"skipped already-processed events"' in line:
            total += int(json.loads(line).get("duplicates", 0))
    return total


async def _intake(stack: Stack, t: Tallies, tenants: list[str]) -> None:
    rows = await stack.rows(
        "intake", "SELECT source_message_id FROM intake_complaints WHERE tenant_id = ANY(:t)", t=tenants
    )
    per_key = Counter(r.source_message_id for r in rows)
    t.registered = len(rows)
    t.registered_twice = sum(1 for n in per_key.values() if n > 1)


async def _archive_and_dispatch(stack: Stack, t: Tallies, tenants: list[str], ids: list[str]) -> None:
    files = await stack.rows(
        "archive",
        "SELECT f.complaint_id, f.work_order_id, f.event_count, count(e.id) AS stored "
        "FROM case_files f LEFT JOIN case_events e ON e.complaint_id = f.complaint_id "
        "WHERE f.tenant_id = ANY(:t) GROUP BY f.complaint_id, f.work_order_id, f.event_count",
        t=tenants,
    )
    filed = {r.complaint_id for r in files if r.work_order_id}
    t.archived = len(filed & set(ids))
    t.lost = len(set(ids) - filed)
    t.unknown_case_files = len({r.complaint_id for r in files} - set(ids))
    t.events_applied_twice = sum(1 for r in files if r.event_count != r.stored)

    orders = await stack.rows(
        "dispatch",
        "SELECT complaint_id, count(*) AS n FROM work_orders WHERE tenant_id = ANY(:t) GROUP BY complaint_id",
        t=tenants,
    )
    per_complaint = {r.complaint_id: r.n for r in orders}
    t.work_orders = sum(per_complaint.values())
    t.complaints_with_two_work_orders = sum(1 for n in per_complaint.values() if n > 1)
    t.complaints_without_work_order = sum(1 for c in ids if c not in per_complaint)
    created = await stack.rows(
        "archive",
        "SELECT complaint_id, count(*) AS n FROM case_events "
        "WHERE type = 'WorkOrderCreated' AND complaint_id = ANY(:ids) GROUP BY complaint_id",
        ids=ids,
    )
    t.timeline_work_orders_twice = sum(1 for r in created if r.n > 1)


async def _clocks(stack: Stack, t: Tallies, tenants: list[str], ids: list[str], clock_end: datetime) -> None:
    runs = await stack.rows(
        "sla-monitor",
        "SELECT complaint_id, name, started_at, due_at, stopped_at, warned_at FROM sla_clock_runs "
        "WHERE tenant_id = ANY(:t)",
        t=tenants,
    )
    due = {
        (r.complaint_id, r.name, r.started_at)
        for r in runs
        if r.due_at <= clock_end and (r.stopped_at is None or r.stopped_at > r.due_at)
    }
    warned = {(r.complaint_id, r.name, r.started_at) for r in runs if r.warned_at is not None}
    on_kafka = _firings(e for e in (await read_events(stack, stack.topic_prefix + "sla.events")).values())
    timeline = await stack.rows(
        "archive",
        "SELECT complaint_id, type, payload FROM case_events "
        "WHERE type = ANY(:types) AND complaint_id = ANY(:ids)",
        types=list(FIRINGS),
        ids=ids,
    )
    in_archive = _firings(
        {"complaint_id": r.complaint_id, "type": r.type, "payload": json.loads(r.payload)} for r in timeline
    )
    breached_kafka, breached_archive = on_kafka["ClockBreached"], in_archive["ClockBreached"]
    t.clocks_due = len(due)
    t.clocks_fired = sum(1 for k in due if breached_kafka[k] == 1 and breached_archive[k] == 1)
    t.clocks_never_fired = sum(1 for k in due if breached_kafka[k] == 0 or breached_archive[k] == 0)
    t.clocks_fired_twice = sum(1 for k in due if breached_kafka[k] > 1 or breached_archive[k] > 1)
    t.clocks_fired_not_due = len((set(breached_kafka) | set(breached_archive)) - due)
    warnings = on_kafka["ClockWarning"] + in_archive["ClockWarning"]
    t.warnings_fired = len(warned)
    t.warnings_fired_twice = sum(
        1 for k in warned if on_kafka["ClockWarning"][k] > 1 or in_archive["ClockWarning"][k] > 1
    )
    t.due_clocks_without_warning = sum(1 for k in due if k not in warned or warnings[k] == 0)
    late = await stack.rows(
        "archive",
        "SELECT complaint_id, clock, started_at FROM clock_runs "
        "WHERE tenant_id = ANY(:t) AND outcome = 'late'",
        t=tenants,
    )
    t.archive_runs_not_late = len(due - {(r.complaint_id, r.clock, r.started_at) for r in late})


def _firings(events: Any) -> dict[str, Counter[RunKey]]:
    """How many times each clock run fired, per firing type."""
    out: dict[str, Counter[RunKey]] = {kind: Counter() for kind in FIRINGS}
    for e in events:
        if e["type"] in FIRINGS:
            p = e["payload"]
            out[e["type"]][(e["complaint_id"], p["clock"], datetime.fromisoformat(p["started_at"]))] += 1
    return out


def broken(t: Tallies, answers: Answers) -> list[str]:
    """Each invariant the run broke, in words (empty: none)."""
    checks: list[tuple[bool, Any]] = [
        (not answers.unexpected, f"intake answers neither 2xx nor 503: {dict(answers.unexpected)}"),
        (t.never_accepted == 0, f"{t.never_accepted} complaints never accepted"),
        (t.registered == t.accepted and t.registered_twice == 0,
         f"intake stored {t.registered} complaints for {t.accepted} accepted ({t.registered_twice} twice)"),
        (t.lost == 0, f"{t.lost} accepted complaints lost"),
        (t.unknown_case_files == 0, f"{t.unknown_case_files} case files no accepted complaint explains"),
        (t.work_orders == t.accepted and t.complaints_without_work_order == 0,
         f"{t.work_orders} work orders for {t.accepted} accepted, {t.complaints_without_work_order} without"),
        (t.complaints_with_two_work_orders == 0, f"{t.complaints_with_two_work_orders} complaints with two"),
        (t.timeline_work_orders_twice == 0, f"{t.timeline_work_orders_twice} timelines: WorkOrderCreated ×2"),
        (t.events_applied_twice == 0, f"{t.events_applied_twice} case files counted an event twice"),
        (t.clocks_due > 0, "no clock came due: the clock checks tested nothing"),
        (t.clocks_fired == t.clocks_due, f"{t.clocks_fired} of {t.clocks_due} due clocks fired exactly once"),
        (t.clocks_never_fired == 0, f"{t.clocks_never_fired} due clocks never fired"),
        (t.clocks_fired_twice == 0, f"{t.clocks_fired_twice} clocks fired twice"),
        (t.clocks_fired_not_due == 0, f"{t.clocks_fired_not_due} breaches of clocks that were not due"),
        (t.warnings_fired_twice == 0, f"{t.warnings_fired_twice} warnings fired twice"),
        (t.due_clocks_without_warning == 0, f"{t.due_clocks_without_warning} due clocks never warned"),
        (t.archive_runs_not_late == 0, f"{t.archive_runs_not_late} due clock runs not 'late' in archive"),
        (t.dlq_topics > 0, "no dead-letter topic found: the DLQ check tested nothing"),
        (t.dlq_messages == 0, f"dead-lettered: {t.dlq_by_topic}"),
        (t.unsent_outbox_rows == 0, f"{t.unsent_outbox_rows} outbox rows never sent"),
    ]  # fmt: skip
    return [message for ok, message in checks if not ok]
