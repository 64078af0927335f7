"""HTTP bodies of callback's staff API and of the resident's survey."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, ConfigDict, Field, model_validator

from tousu_callback.domain.tasks import FailedOutcome, Satisfaction
from tousu_shared.clean import CleanModel

Channel = Literal["phone", "visit", "online_survey"]


class Answer(CleanModel):
    """What the resident said: the same for a call, a visit and the online survey."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    satisfaction: Satisfaction | None = Field(
        default=None, description="satisfied (满意), basically_satisfied (基本满意) or dissatisfied (不满意)"
    )
    satisfied: bool | None = Field(
        default=None,
        description="Shorthand when only yes/no was asked: true is satisfied, false dissatisfied",
    )
    score: int | None = Field(default=None, ge=1, le=5, description="1–5, if the resident gave one")
    comment: str | None = Field(default=None, max_length=2000, description="What the resident said")

    @model_validator(mode="after")
    def _one_answer(self) -> Answer:
        if self.satisfaction is None and self.satisfied is None:
            raise ValueError("say how satisfied the resident is: satisfaction (or satisfied)")
        both = self.satisfaction is not None and self.satisfied is not None
        if both and (self.satisfaction != "dissatisfied") != self.satisfied:
            raise ValueError(f"satisfied={self.satisfied} contradicts satisfaction={self.satisfaction}")
        return self

    @property
    def level(self) -> Satisfaction:
        if self.satisfaction is not None:
            return self.satisfaction
        return "satisfied" if self.satisfied else "dissatisfied"


class CallbackIn(Answer):
    by: str | None = Field(
        default=None, min_length=1, max_length=64, description="Staff id of who called back (operator only)"
    )
    confirmed: bool | None = Field(default=None, description="The resident confirmed the result (确认)")
    channel: Channel = "phone"


class AttemptIn(CleanModel):
    """A callback that did not reach the resident."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: FailedOutcome = Field(description="no_answer, busy, wrong_number or declined")
    channel: Channel = "phone"
    note: str | None = Field(default=None, max_length=500)
    by: str | None = Field(default=None, min_length=1, max_length=64, description="(operator only)")


class SurveyIn(Answer):
    """The resident's answer on the survey page."""


class StaffContactIn(CleanModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    staff_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 -]{5,30}$", max_length=32)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    wechat_openid: str | None = Field(default=None, min_length=1, max_length=128)
    webhook_url: AnyHttpUrl | None = None

    @model_validator(mode="after")
    def _some_address(self) -> StaffContactIn:
        if not (self.phone or self.email or self.wechat_openid or self.webhook_url):
            raise ValueError(
                f"{self.staff_id}: give at least one of phone, email, wechat_openid, webhook_url"
            )
        return self


class StaffContactsIn(CleanModel):
    """An estate's staff contacts; the upload replaces the estate's whole list."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: str = Field(min_length=1, max_length=64)
    contacts: list[StaffContactIn] = Field(max_length=5000)

    @model_validator(mode="after")
    def _once_each(self) -> StaffContactsIn:
        ids = [c.staff_id for c in self.contacts]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"staff listed twice: {', '.join(twice)}")
        return self
