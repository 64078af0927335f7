"""The conformance kit can fail: a careless adapter breaks its rules."""

from __future__ import annotations

import json
import uuid

import pytest

from tousu_channels import ChannelAdapter, ComplaintDraft, HttpIn
from tousu_channels.conformance import ChannelConformance
from tousu_shared.contracts.events import Channel


class CarelessChannel(ChannelAdapter):
    """Crashes on bad input and makes a new key on every delivery."""

    name = "careless"

    def parse(self, request: HttpIn) -> list[ComplaintDraft]:
        text = json.loads(request.body)["text"]  # ValueError / KeyError escape
        return [ComplaintDraft(source_message_id=str(uuid.uuid4()), channel=Channel.app, text=text)]


class CarelessKit(ChannelConformance):
    adapter_class = CarelessChannel

    def good_messages(self) -> list[HttpIn]:
        return [HttpIn(body=b'{"text": "\\u7535\\u68af\\u574f\\u4e86"}')]

    def bad_messages(self) -> list[HttpIn]:
        return [HttpIn(body=b"{oops")]


@pytest.mark.parametrize(
    "rule",
    [
        "test_the_adapter_is_installed_under_its_name",
        "test_a_retried_message_has_the_same_idempotency_key",
        "test_bad_messages_raise_bad_message",
        "test_garbled_messages_never_raise_anything_else",
    ],
)
def test_each_rule_catches_the_careless_adapter(rule: str) -> None:
    with pytest.raises(Exception) as caught:
        getattr(CarelessKit(), rule)()
    assert not isinstance(caught.value, pytest.skip.Exception)
