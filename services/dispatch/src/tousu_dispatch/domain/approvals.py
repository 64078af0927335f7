"""What needs a second person's yes: a plan where the regime asks (001: the supervisor
approves a plan and its due date), and every compensation (003: cash or a fee waiver,
recorded and approved).

Until people sign in with roles (identity), the rule enforced here is four eyes: whoever
asked cannot decide; the approver role the regime names is recorded on the request.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tousu_dispatch.domain.actions import ActionRefused

CompensationKind = Literal["cash", "management_fee_waiver", "parking_fee_waiver"]


class Compensation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: CompensationKind
    amount_yuan: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)
    months: int | None = Field(default=None, ge=1, le=120, description="fee waivers: how many months")
    reason: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _what_is_given(self) -> Compensation:
        if self.kind == "cash" and self.amount_yuan is None:
            raise ValueError("cash compensation needs amount_yuan")
        if self.kind != "cash" and self.months is None and self.amount_yuan is None:
            raise ValueError(f"a {self.kind} needs months (or amount_yuan)")
        return self


def check_decision(status: str, requested_by: str, decided_by: str, what: str) -> None:
    if status != "pending":
        raise ActionRefused("conflict", f"this {what} was already {status}")
    if decided_by == requested_by:
        raise ActionRefused("invalid", f"{decided_by} asked for this {what} and cannot also decide it")
