"""The desk form: read-back (复述) before a spoken complaint is registered (001 二(二)4)."""

from __future__ import annotations

import json

import pytest

from tousu_channel_desk import DeskFormChannel
from tousu_channels import BadMessage, HttpIn
from tousu_channels.conformance import ChannelConformance

FORM = {
    "form_id": "desk-20261202-0001",
    "channel": "phone",
    "clerk": "cs-007",
    "name": "李先生",
    "room": "5-2-302",
    "phone": "13900001111",
    "occurred_at": "2026-12-02T08:30:00+08:00",
    "text": "楼上漏水，天花板湿了一大片。",
    "location": "主卧",
    "persons_involved": "楼上602住户",
    "evidence_note": "现场照片两张",
    "confirmed": True,
}


def _form(**changes: object) -> HttpIn:
    return HttpIn(body=json.dumps({**FORM, **changes}, ensure_ascii=False).encode())


class TestDeskConformance(ChannelConformance):
    adapter_class = DeskFormChannel

    def good_messages(self) -> list[HttpIn]:
        return [
            _form(),
            _form(form_id="desk-2", channel="letter", confirmed=False),
            _form(form_id="desk-3", channel="onsite"),
        ]

    def bad_messages(self) -> list[HttpIn]:
        return [_form(confirmed=False), _form(channel="pigeon"), _form(clerk=""), HttpIn(body=b"name=x")]


def test_the_read_back_says_every_field_the_clerk_recorded() -> None:
    out = DeskFormChannel().preview(_form(confirmed=False))
    readback = json.loads(out.body)["readback"]
    assert readback == (
        "跟您核对一下：您是5-2-302的李先生，联系电话13900001111，"
        "您反映2026年12月02日08:30在主卧：楼上漏水，天花板湿了一大片，涉及楼上602住户，"
        "您提供了现场照片两张。请问记录是否准确？"
    )


def test_a_phone_complaint_needs_the_confirmed_read_back_but_a_letter_does_not() -> None:
    with pytest.raises(BadMessage, match="read the record back"):
        DeskFormChannel().parse(_form(confirmed=False))
    [letter] = DeskFormChannel().parse(_form(channel="letter", confirmed=False))
    assert letter.registered_by == "cs-007" and not letter.confirmed
    assert letter.persons_involved == "楼上602住户" and letter.location == "主卧"
