from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tousu_archive.case_file import apply
from tousu_archive.models import CaseFile
from tousu_shared.cases.classification import classify
from tousu_shared.clock import VirtualClock
from tousu_shared.contracts.events import ComplaintTriaged, WorkOrderCreated
from tousu_shared.regimes import REGIME_IDS, load_regime, selected_regimes

from .reading import read

NOW = datetime(2026, 10, 1, tzinfo=UTC)


def test_placeholder_topics_are_filed_by_each_regime() -> None:
    def filed(regime: str, text: str) -> tuple[str, str, str]:
        c = classify(load_regime(regime), reading=read(text), channel="phone")
        return c.topic, c.category, c.department

    assert filed("property-role-matrix", "電梯困人")[1:] == ("facility", "engineering")
    assert filed("logistics-service", "垃圾没人清")[1] == "cleaning"
    assert filed("community-standard", "你好")[0] == "other"


def test_case_status_only_moves_forward() -> None:
    case = CaseFile(complaint_id="c", tenant_id="t", estate_id="e", status="new", updated_at=NOW)
    apply(
        case,
        "WorkOrderCreated",
        WorkOrderCreated(work_order_id="w", department="engineering", category="facility"),
    )
    apply(
        case,
        "ComplaintTriaged",
        ComplaintTriaged(
            regime="r",
            topic="elevator",
            category="facility",
            department="engineering",
            confidence=1,
            classifier="x",
        ),
    )
    assert (case.status, case.work_order_id, case.topic, case.event_count) == (
        "dispatched",
        "w",
        "elevator",
        2,
    )


def test_regime_selection() -> None:
    assert selected_regimes("all") == list(REGIME_IDS)
    assert selected_regimes("property-role-matrix, community-standard") == [
        "property-role-matrix",
        "community-standard",
    ]
    with pytest.raises(ValueError, match="unknown regime"):
        selected_regimes("made-up")


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=20))
def test_virtual_clock_only_moves_forward(steps: list[int]) -> None:
    clock = VirtualClock(NOW)
    for seconds in steps:
        before = clock.now()
        assert clock.advance(timedelta(seconds=seconds)) >= before
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
