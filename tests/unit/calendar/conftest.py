from __future__ import annotations

import pytest

from tousu_shared.calendar import BusinessCalendar, load_calendar


@pytest.fixture(scope="session")
def shipped() -> BusinessCalendar:
    return load_calendar()
