"""What the feedback confirmation form (《投诉反馈确认单》 or a regime's own) prints: plain frozen
values, so the PDF can be made and tested without a database, and the caller decides what goes
on paper (e.g. whether the complainant's name is masked).

Instants must carry a time zone (as everywhere in Tousu: naive ones are refused, not guessed);
the form prints them in ``FeedbackForm.tz``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _aware(what: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{what}: naive datetime {value.isoformat()}; the form needs instants with a zone")


@dataclass(frozen=True)
class HandlingStep:
    """One line of 处理经过: when, who, what was done."""

    at: datetime
    who: str
    what: str

    def __post_init__(self) -> None:
        _aware("HandlingStep.at", self.at)


@dataclass(frozen=True)
class CallbackOutcome:
    """One callback to the resident (验证、回访), reached or not."""

    at: datetime
    by: str
    channel: str  # phone | visit | online_survey
    satisfaction: str  # satisfied | basically_satisfied | dissatisfied | unreachable
    score: int | None  # out of 5
    comment: str | None
    confirmed: bool | None  # the resident confirmed the result
    attempts: int = 1

    def __post_init__(self) -> None:
        _aware("CallbackOutcome.at", self.at)
        if self.score is not None and not 0 <= self.score <= 5:
            raise ValueError(f"CallbackOutcome.score: {self.score} is not within 0..5")
        if self.attempts < 1:
            raise ValueError(f"CallbackOutcome.attempts: {self.attempts} < 1")


@dataclass(frozen=True)
class FeedbackForm:
    """Everything the form prints, in the order it prints it."""

    title: str  # the regime's form name, e.g. 《投诉反馈确认单》
    organisation: str  # the regime/company printed under the title, e.g. 住宅小区物业服务标准
    complaint_id: str
    estate_id: str
    received_at: datetime
    channel: str
    category: str | None
    topic: str | None
    level: str | None  # urgency or severity label
    department: str | None  # the handling unit's name
    complainant: str | None  # as the caller gives it (masked or not: the caller decides)
    summary: str  # the complaint's content
    steps: list[HandlingStep]  # what was done
    resolution: str | None
    resolved_at: datetime | None
    promised: str | None  # what was promised to the resident, if anything
    callbacks: list[CallbackOutcome]  # every callback so far (a reopened case has several)
    reopened: int  # times reopened
    generated_at: datetime
    tz: str = "Asia/Shanghai"  # times are printed in this zone, as 2026-12-06 09:30

    def __post_init__(self) -> None:
        for name in ("received_at", "resolved_at", "generated_at"):
            _aware(f"FeedbackForm.{name}", getattr(self, name))
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"FeedbackForm.tz: unknown time zone {self.tz!r}") from None
        if self.reopened < 0:
            raise ValueError(f"FeedbackForm.reopened: {self.reopened} < 0")
