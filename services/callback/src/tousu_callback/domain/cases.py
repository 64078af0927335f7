"""The state of a case as callback follows it, and whether a callback may be recorded."""

from __future__ import annotations

from tousu_shared.cases.engine import STATE_AFTER

#: a case in one of these states takes no callback
FINAL_STATES: tuple[str, ...] = ("closed", "withdrawn")
CHANNELS: tuple[str, ...] = ("phone", "visit", "online_survey")


class CallbackRefused(ValueError):
    """The case cannot take a callback now (it is closed or withdrawn)."""


def state_after(verb: str, current: str) -> str:
    """The case's state after a staff action on its work order (the regime engine's rule)."""
    return STATE_AFTER.get(verb, current)


def check_can_call_back(complaint_id: str, status: str) -> None:
    if status in FINAL_STATES:
        raise CallbackRefused(f"complaint {complaint_id} is {status}; a callback can no longer be recorded")
