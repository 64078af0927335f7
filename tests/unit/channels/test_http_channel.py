"""The HTTP/JSON channel: its contract with intake, and how it reads bodies."""

from __future__ import annotations

import base64
import json

import pytest

from tousu_channel_http import HttpJsonChannel
from tousu_channels import BadMessage, HttpIn
from tousu_channels.conformance import ChannelConformance
from tousu_channels.signing import signed_headers


def _body(**fields: object) -> bytes:
    base = {"estate_id": "e1", "text": "3号楼电梯困人", "contact": {"name": "王女士", "phone": "13812345678"}}
    return json.dumps({**base, **fields}, ensure_ascii=False).encode()


class TestHttpChannelConformance(ChannelConformance):
    adapter_class = HttpJsonChannel

    def good_messages(self) -> list[HttpIn]:
        photo = base64.b64encode(b"\x89PNG fake photo").decode()
        return [
            HttpIn(body=_body(source_message_id="app-1")),
            HttpIn(body=_body(text="楼上漏水", room="7-1-1103", channel="web")),
            HttpIn(
                body=_body(
                    evidence=[{"filename": "leak.png", "content_type": "image/png", "data_base64": photo}]
                )
            ),
            HttpIn(
                body=json.dumps(
                    [json.loads(_body(source_message_id="b-1")), json.loads(_body(source_message_id="b-2"))]
                ).encode()
            ),
        ]

    def bad_messages(self) -> list[HttpIn]:
        return [
            HttpIn(body=b"{not json"),
            HttpIn(body=_body(text="   ")),
            HttpIn(body=_body(contact={"phone": "call me"})),
            HttpIn(body=_body(priority="now")),
            HttpIn(body=b"[]"),
            HttpIn(body=_body(evidence=[{"filename": "x", "data_base64": "%%%"}])),
        ]


def test_a_field_error_names_the_field_not_the_value() -> None:
    with pytest.raises(BadMessage) as err:
        HttpJsonChannel().parse(HttpIn(body=_body(contact={"phone": "13812345678x"})))
    assert "contact.phone" in str(err.value) and "13812345678" not in str(err.value)


def test_the_idempotency_key_header_keys_a_single_complaint() -> None:
    [draft] = HttpJsonChannel().parse(HttpIn(body=_body(), headers={"idempotency-key": "k-77"}))
    assert draft.source_message_id == "k-77"


def test_without_any_id_the_same_body_is_the_same_complaint() -> None:
    a = HttpJsonChannel().parse(HttpIn(body=_body()))[0].source_message_id
    b = HttpJsonChannel().parse(HttpIn(body=_body(text="别的事")))[0].source_message_id
    assert a == HttpJsonChannel().parse(HttpIn(body=_body()))[0].source_message_id and a != b


def test_one_complaint_is_answered_as_itself_and_a_list_as_outcomes() -> None:
    from tousu_channels import Outcome

    ok = Outcome(source_message_id="s", status="received", complaint_id="c1", message="已收到")
    single = HttpJsonChannel().respond(HttpIn(body=_body()), [ok])
    listed = HttpJsonChannel().respond(HttpIn(body=b"[" + _body() + b"]"), [ok])
    assert single.status == 202 and json.loads(single.body)["complaint_id"] == "c1"
    assert json.loads(listed.body)["outcomes"][0]["complaint_id"] == "c1"


def test_hmac_signed_requests_are_accepted_within_five_minutes() -> None:
    body, secret, now = _body(), "s3cret-0123456789abcdef", 1_790_000_000.0
    channel = HttpJsonChannel()
    channel.verify(HttpIn(body=body, headers=signed_headers(secret, body, now)), secret, now + 299)
    from tousu_channels import Unauthorised

    with pytest.raises(Unauthorised, match="away from now"):
        channel.verify(HttpIn(body=body, headers=signed_headers(secret, body, now)), secret, now + 301)
    with pytest.raises(Unauthorised, match="does not match"):
        channel.verify(HttpIn(body=body + b" ", headers=signed_headers(secret, body, now)), secret, now)
