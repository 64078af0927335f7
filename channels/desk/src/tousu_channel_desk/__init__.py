"""The desk form: a clerk registers a phone, on-site, letter or fax complaint.

001 二(二) asks the clerk to record name, room/unit, contact, time, content, location,
persons involved and evidence, then read the record back to the complainant and have
it confirmed (written complaints may skip the read-back). So:

- ``POST /v1/channels/desk/<account>?preview=1`` with the form answers the read-back
  text (复述) and registers nothing;
- ``POST /v1/channels/desk/<account>`` registers it; a phone or on-site form needs
  ``"confirmed": true`` — the complainant agreed the read-back was right.

``form_id`` (made when the clerk opens the form) is the idempotency key: pressing
"submit" twice registers one complaint.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from tousu_channels import BadMessage, ChannelAdapter, ComplaintDraft, ContactDraft, HttpIn, HttpOut
from tousu_channels.validation import describe_validation_error
from tousu_shared.contracts.events import Channel

#: written complaints may skip the read-back (001 二(二)4)
SPOKEN = {Channel.phone, Channel.onsite}


class DeskForm(BaseModel):
    """《投诉登记表》 as the clerk fills it in."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    form_id: str = Field(min_length=1, max_length=128, description="Made when the form opens")
    channel: Literal["phone", "onsite", "letter", "fax"]
    estate_id: str | None = Field(default=None, min_length=1, max_length=64)
    clerk: str = Field(min_length=1, max_length=64, description="Staff id of the registering clerk")
    name: str | None = Field(default=None, max_length=50, description="投诉人姓名")
    room: str | None = Field(default=None, max_length=40, description="房号/单位")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 ()-]{4,24}$", description="联系方式")
    occurred_at: AwareDatetime | None = Field(default=None, description="投诉事项发生时间")
    text: str = Field(min_length=1, description="投诉事项：具体内容")
    location: str | None = Field(default=None, max_length=200, description="发生地点")
    persons_involved: str | None = Field(default=None, max_length=200, description="涉及人物")
    evidence_note: str | None = Field(default=None, max_length=500, description="相关证据 (what was shown)")
    confirmed: bool = Field(default=False, description="The complainant confirmed the read-back")


class DeskFormChannel(ChannelAdapter):
    name = "desk"
    body_model = DeskForm

    def preview(self, request: HttpIn) -> HttpOut:
        form = _form(request)
        body = {"form_id": form.form_id, "readback": readback(form)}
        return HttpOut(status=200, body=json.dumps(body, ensure_ascii=False).encode())

    def parse(self, request: HttpIn) -> list[ComplaintDraft]:
        form = _form(request)
        if Channel(form.channel) in SPOKEN and not form.confirmed:
            raise BadMessage(
                "confirmed: read the record back to the complainant (…?preview=1 gives the text) "
                "and set confirmed to true once they agree"
            )
        text = form.text if not form.evidence_note else f"{form.text}\n（证据：{form.evidence_note}）"
        return [
            ComplaintDraft(
                source_message_id=form.form_id,
                channel=Channel(form.channel),
                text=text,
                estate_id=form.estate_id,
                room=form.room,
                location=form.location,
                persons_involved=form.persons_involved,
                occurred_at=form.occurred_at,
                contact=ContactDraft(name=form.name, phone=form.phone),
                registered_by=form.clerk,
                confirmed=form.confirmed,
            )
        ]


def readback(form: DeskForm) -> str:
    """The sentence the clerk reads back (复述), from what the form holds."""
    who = "".join(filter(None, [form.room and f"{form.room}的", form.name or "您"]))
    parts = [f"跟您核对一下：您是{who}" if form.name or form.room else "跟您核对一下"]
    if form.phone:
        parts.append(f"联系电话{form.phone}")
    when = form.occurred_at.strftime("%Y年%m月%d日%H:%M") if form.occurred_at else None
    where = f"在{form.location}" if form.location else ""
    parts.append(f"您反映{when or ''}{where}：{form.text.rstrip('。.!！')}")
    if form.persons_involved:
        parts.append(f"涉及{form.persons_involved}")
    if form.evidence_note:
        parts.append(f"您提供了{form.evidence_note}")
    return "，".join(parts) + "。请问记录是否准确？"


def _form(request: HttpIn) -> DeskForm:
    try:
        raw: Any = json.loads(request.body)
        return DeskForm.model_validate(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadMessage(f"body is not JSON: {exc}") from None
    except ValidationError as exc:
        raise BadMessage(describe_validation_error(exc)) from None


__all__ = ["DeskForm", "DeskFormChannel", "readback"]
