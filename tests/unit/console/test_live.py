"""Live notices reach only the pages of people who work in the case's estate, and say no more
than which case moved and how."""

from __future__ import annotations

from datetime import UTC, datetime

from tousu_console.hub import CLOSING, Hub, Listener, notice_of

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import WorkOrderCreated


def _notice(tenant: str, estate: str) -> dict[str, str]:
    return {"complaint_id": "c-1", "estate": estate, "tenant": tenant, "type": "WorkOrderCreated"}


def test_a_notice_goes_only_to_listeners_of_its_group_and_estate() -> None:
    hub = Hub()
    mine = Listener("group-a", {"estate-1"})
    group_wide = Listener("group-a", None)
    other_estate = Listener("group-a", {"estate-2"})
    other_group = Listener("group-b", None)
    hub.listeners |= {mine, group_wide, other_estate, other_group}
    hub.tell(_notice("group-a", "estate-1"))
    assert [listener.queue.qsize() for listener in (mine, group_wide, other_estate, other_group)] == [
        1,
        1,
        0,
        0,
    ]


def test_a_page_that_stops_reading_loses_notices_not_the_hub() -> None:
    hub = Hub()
    stuck = Listener("group-a", None)
    hub.listeners.add(stuck)
    for _ in range(stuck.queue.maxsize + 5):
        hub.tell(_notice("group-a", "estate-1"))
    assert stuck.queue.full()


def test_a_notice_holds_ids_and_the_type_only() -> None:
    envelope = Envelope.new(
        payload=WorkOrderCreated(work_order_id="w-1", department="engineering", category="maintenance"),
        occurred_at=datetime(2026, 12, 6, tzinfo=UTC),
        tenant_id="group-a",
        estate_id="estate-1",
        complaint_id="c-1",
    )
    assert notice_of(envelope.to_bytes()) == {
        "complaint_id": "c-1", "estate": "estate-1", "tenant": "group-a", "type": "WorkOrderCreated"
    }  # fmt: skip
    assert notice_of(b"not an envelope") is None


def test_a_stop_ends_every_pages_stream_even_one_that_stopped_reading() -> None:
    hub = Hub()
    reading, stuck = Listener("group-a", None), Listener("group-a", None)
    hub.listeners |= {reading, stuck}
    for _ in range(stuck.queue.maxsize):
        hub.tell(_notice("group-a", "estate-1"))
    reading.queue = type(reading.queue)(maxsize=100)  # this page read everything
    hub.close()
    assert hub.closing
    assert reading.queue.get_nowait() is CLOSING
    last = [stuck.queue.get_nowait() for _ in range(stuck.queue.qsize())][-1]
    assert last is CLOSING
