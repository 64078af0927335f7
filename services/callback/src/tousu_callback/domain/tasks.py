"""Callback tasks under a regime's callback policy: who calls, by which channels, in which
window, how often to try again, and what a result or a failed attempt does to the task.

- **Who**: the clock's owner where the regime gives one (002: the receiver for a minor
  complaint, the station head for a major one), else the policy's ``by``. ``receiver``
  (首问责任人, 003's 谁受理谁回访) is the person who took the complaint in.
- **When**: the callback clock's window: not before its ``not_before`` (002's major: 24 h
  after resolution), due by its ``due_at``.
- **How**: the policy's channels; a complaint that came by a channel that delivers replies
  (e-mail, WeChat: ``TOUSU_SURVEY_CHANNELS``) also gets the online survey, a signed,
  single-use link sent back the same way.
- **Retries**: ``retries.attempts`` more tries after the first, ``retries.interval`` apart;
  when the last one fails the task ends ``unreachable``, which the reports show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from tousu_shared.regimes.model import CallbackPolicy, Regime
from tousu_shared.sla.durations import resolve

SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied")
Satisfaction = Literal["satisfied", "basically_satisfied", "dissatisfied"]
FAILED_OUTCOMES = ("no_answer", "busy", "wrong_number", "declined")
FailedOutcome = Literal["no_answer", "busy", "wrong_number", "declined"]
_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400}


class TaskRefused(ValueError):
    """The task cannot take this now (it is done, unreachable or cancelled)."""


@dataclass(frozen=True)
class TaskPlan:
    assignee_role: str
    assignee: str | None
    channels: tuple[str, ...]
    attempts_allowed: int
    retry: timedelta


def plan_task(
    regime: Regime,
    parameters: Mapping[str, float],
    *,
    clock_owner: str | None,
    receiver: str | None,
    survey_goes_back: bool,
) -> TaskPlan:
    """``survey_goes_back``: the complaint came by a channel that can take the survey link
    back to the resident."""
    policy: CallbackPolicy = regime.callback
    role = clock_owner or policy.by
    channels = list(policy.channels)
    if survey_goes_back and "online_survey" not in channels:
        channels.append("online_survey")
    return TaskPlan(
        assignee_role=role,
        assignee=receiver if role == "receiver" else None,
        channels=tuple(channels),
        attempts_allowed=1 + policy.retries.attempts,
        retry=retry_interval(regime, parameters),
    )


def retry_interval(regime: Regime, parameters: Mapping[str, float]) -> timedelta:
    """The policy's retry interval; elapsed time only (a callback is retried around the clock's
    window, not by working days: a working-day interval counts as that many days)."""
    span = resolve(regime.callback.retries.interval, regime, parameters)
    seconds = _SECONDS.get(span.unit, 86400)
    return timedelta(seconds=span.amount * seconds)


def satisfied(outcome: Satisfaction) -> bool:
    """What the regime engine is told: basically satisfied closes the case like satisfied."""
    return outcome != "dissatisfied"


@dataclass(frozen=True)
class AttemptResult:
    attempt: int
    next_attempt_at: datetime | None
    unreachable: bool


def check_open(status: str) -> None:
    """A task takes answers and attempts while open. One made before its window opens is
    taken too: the regime engine records the callback clock as breached (called too early),
    as the rulebook would have it, rather than Tousu pretending the call did not happen."""
    if status != "open":
        raise TaskRefused(f"the callback task is {status}")


def failed_attempt(attempts: int, attempts_allowed: int, retry: timedelta, now: datetime) -> AttemptResult:
    """One more attempt that did not reach the resident: when to try again, or unreachable."""
    attempt = attempts + 1
    if attempt >= attempts_allowed:
        return AttemptResult(attempt, None, unreachable=True)
    return AttemptResult(attempt, now + retry, unreachable=False)
