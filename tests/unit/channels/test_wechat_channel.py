"""The WeChat official-account channel: its contract with intake, WeChat's XML, and its API."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest

from tousu_channel_wechat import WeChatChannel, outbound_text, signature, signed_query
from tousu_channel_wechat.replies import ASK_FOR_TEXT, WELCOME
from tousu_channels import (
    BadMessage,
    ChannelConfig,
    ContactDraft,
    HttpIn,
    HttpOut,
    Outbound,
    Outcome,
    SendFailed,
    Unauthorised,
)
from tousu_channels.conformance import ChannelConformance
from tousu_shared.contracts.events import Channel

SAMPLES = Path(__file__).parent / "samples" / "wechat"
TOKEN = "wx-token-0123456789"
NOW = 1_790_000_000.0
ACCOUNT = "gh_3f8a2c1d9e7b"


def sample(name: str) -> bytes:
    return (SAMPLES / f"{name}.xml").read_bytes()


def push(name: str, **query: str) -> HttpIn:
    return HttpIn(method="POST", path="/v1/channels/wechat/wx-main", query=query, body=sample(name))


def outcome(status: str, complaint_id: str | None = "01WECHAT0000000000000000", message: str = "") -> Outcome:
    return Outcome.model_validate(
        {"source_message_id": "wx:1", "status": status, "complaint_id": complaint_id, "message": message}
    )


def reply_fields(out: HttpOut) -> dict[str, str]:
    """Parse a passive reply back, as WeChat does."""
    assert out.status == 200 and out.content_type == "application/xml"
    body = out.body if isinstance(out.body, bytes) else out.body.encode()
    root = ET.fromstring(body)
    assert root.tag == "xml"
    return {child.tag: child.text or "" for child in root}


class TestWeChatConformance(ChannelConformance):
    adapter_class = WeChatChannel

    def good_messages(self) -> list[HttpIn]:
        # only messages that carry a complaint: the kit wants drafts from each
        return [push(n) for n in ("text_simplified", "text_traditional", "text_long", "voice_recognised")]

    def bad_messages(self) -> list[HttpIn]:
        names = [p.stem for p in sorted(SAMPLES.glob("bad_*.xml"))]
        assert len(names) >= 8
        return [
            *(push(n) for n in names),
            HttpIn(body=b""),
            HttpIn(body=b"<xml"),
            HttpIn(body=b'{"MsgType": "text"}'),
            HttpIn(body=b"<message><MsgType>text</MsgType></message>"),
            HttpIn(body=sample("text_simplified").replace(b"</xml>", b" " * 70_000 + b"</xml>")),
        ]

    def sign(self, request: HttpIn, secret: str, now: float) -> HttpIn:
        return request.model_copy(update={"query": {**request.query, **signed_query(secret, now)}})

    refusals_answered_in_band = frozenset({400, 413, 422})

    def test_refusals_answered_in_band_say_what_is_wrong(self) -> None:
        """WeChat shows "该公众号暂时无法提供服务" for any answer but 200: so 400/413/422 go back
        as 200 with a passive reply that says what is wrong, and only 401/429 keep theirs."""
        super().test_refusals_keep_their_status()
        adapter = self.adapter()
        for status in (401, 429):
            out = adapter.refuse(self.good_messages()[0], status, "no")
            assert (out.status, out.body) == (status, b"success")
        for status in (400, 413, 422):
            out = adapter.refuse(self.good_messages()[0], status, "no")
            assert reply_fields(out)["Content"]


# --- parse ------------------------------------------------------------------------------


def test_a_text_message_is_one_complaint_with_the_openid_and_phone_as_contact() -> None:
    [draft] = WeChatChannel().parse(push("text_simplified"))
    assert draft.source_message_id == "wx:24523417859124371"
    assert draft.channel is Channel.wechat
    assert draft.text.startswith("7栋1单元1103，楼上卫生间漏水三天了")
    assert draft.contact == ContactDraft(reply_to="oTest_openid_simplified_0001", phone="13800138000")
    assert draft.estate_id is None and draft.evidence == ()


def test_traditional_chinese_is_kept_as_written_and_no_phone_is_invented() -> None:
    [draft] = WeChatChannel().parse(push("text_traditional"))
    assert "電梯又壞了" in draft.text and "裡面" in draft.text
    assert draft.contact.phone is None and draft.contact.reply_to == "oTest_openid_traditional_002"


def test_a_long_text_is_kept_whole_for_intake_to_judge() -> None:
    [draft] = WeChatChannel().parse(push("text_long"))
    assert len(draft.text) > 2000 and draft.text.endswith("同样的问题。")


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("电话+86 13912345678", "13912345678"),
        ("电话：１３９１２３４５６７８", "13912345678"),  # full-width digits
        ("物业电话0755-83456789打不通", None),  # a landline is not taken as the resident's
        ("订单号 2024138000000001", None),  # a longer number is not a phone
    ],
)
def test_a_mainland_mobile_number_in_the_text_becomes_the_phone(text: str, phone: str | None) -> None:
    body = sample("text_traditional").replace(
        "3號樓電梯又壞了".encode(), text.encode() + "，3號樓電梯又壞了".encode()
    )
    [draft] = WeChatChannel().parse(HttpIn(body=body))
    assert draft.contact.phone == phone


def test_a_recognised_voice_message_is_its_transcript_with_the_media_noted() -> None:
    [draft] = WeChatChannel().parse(push("voice_recognised"))
    assert draft.source_message_id == "wx:24523417859124402"
    assert draft.text.startswith("五栋地下车库的灯坏了一个星期了")
    assert "Tm9uZV9yZWFsX21lZGlhX2lkXzAwMDQ" in draft.text


@pytest.mark.parametrize(
    "name", ["voice_unrecognised", "image", "location", "event_subscribe", "event_click"]
)
def test_messages_without_words_register_nothing(name: str) -> None:
    assert WeChatChannel().parse(push(name)) == []


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("bad_malformed", "not well-formed"),
        ("bad_billion_laughs", "DTD"),
        ("bad_xxe", "DTD"),
        ("bad_missing_from", "FromUserName"),
        ("bad_missing_msgtype", "MsgType"),
        ("bad_text_without_content", "Content"),
        ("bad_text_without_msgid", "MsgId"),
        ("bad_encrypted", "明文模式"),
    ],
)
def test_bad_messages_say_what_is_wrong_without_personal_data(name: str, says: str) -> None:
    with pytest.raises(BadMessage, match=says) as err:
        WeChatChannel().parse(push(name))
    assert "oTest_openid" not in str(err.value) and "138" not in str(err.value)


def test_entities_are_refused_even_without_a_dtd_based_bomb() -> None:
    # an internal entity used by a message: refused, never expanded
    body = b'<!DOCTYPE xml [<!ENTITY a "b">]><xml><MsgType>text</MsgType></xml>'
    with pytest.raises(BadMessage, match="DTD"):
        WeChatChannel().parse(HttpIn(body=body))


def test_a_body_over_64_kib_is_refused_before_parsing() -> None:
    with pytest.raises(BadMessage, match="bytes"):
        WeChatChannel().parse(HttpIn(body=b"<xml>" + b"x" * (64 * 1024) + b"</xml>"))


def test_an_oversized_openid_is_a_bad_message_not_a_crash() -> None:
    body = sample("text_simplified").replace(b"oTest_openid_simplified_0001", b"o" * 300)
    with pytest.raises(BadMessage, match="reply_to"):
        WeChatChannel().parse(HttpIn(body=body))


# --- verify and handshake -----------------------------------------------------------------


def test_the_signature_is_sha1_of_the_sorted_token_timestamp_and_nonce() -> None:
    # the worked example: sorted("token", "1409735669", "xxxxxx") joined, then sha1
    import hashlib

    expected = hashlib.sha1(b"1409735669tokenxxxxxx").hexdigest()
    assert signature("token", "1409735669", "xxxxxx") == expected


def test_a_signed_push_within_five_minutes_passes_and_a_replay_is_refused() -> None:
    channel, request = WeChatChannel(), push("text_simplified", **signed_query(TOKEN, NOW))
    channel.verify(request, TOKEN, NOW + 300)
    channel.verify(request, TOKEN, NOW - 300)
    with pytest.raises(Unauthorised, match="away from now"):
        channel.verify(request, TOKEN, NOW + 301)
    with pytest.raises(Unauthorised, match="away from now"):
        channel.verify(request, TOKEN, NOW - 3600)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"timestamp": str(int(NOW)), "nonce": "n"},
        {"signature": "0" * 40, "timestamp": str(int(NOW)), "nonce": "n"},
        {**signed_query(TOKEN, NOW), "nonce": "another"},
        {**signed_query(TOKEN, NOW), "timestamp": "yesterday"},
        {**signed_query(TOKEN, NOW), "signature": "签名"},
        {**signed_query(TOKEN, NOW), "timestamp": "9" * 400},
    ],
)
def test_missing_or_wrong_signatures_are_unauthorised(query: dict[str, str]) -> None:
    with pytest.raises(Unauthorised):
        WeChatChannel().verify(push("text_simplified", **query), TOKEN, NOW)


def test_an_account_without_a_token_accepts_nothing() -> None:
    with pytest.raises(Unauthorised, match="no Token"):
        WeChatChannel().verify(push("text_simplified", **signed_query("", NOW)), "", NOW)


def test_the_url_check_answers_echostr_as_plain_text() -> None:
    request = HttpIn(method="GET", query={**signed_query(TOKEN, NOW), "echostr": "7349856938476102349"})
    out = WeChatChannel().handshake(request, TOKEN, NOW)
    assert (out.status, out.content_type, out.body) == (200, "text/plain", b"7349856938476102349")


def test_the_url_check_is_refused_without_the_right_token_or_when_stale() -> None:
    query = {**signed_query(TOKEN, NOW), "echostr": "7349856938476102349"}
    channel = WeChatChannel()
    for out in (
        channel.handshake(HttpIn(method="GET", query=query), "another-token", NOW),
        channel.handshake(HttpIn(method="GET", query=query), TOKEN, NOW + 301),
        channel.handshake(HttpIn(method="GET", query={"echostr": "1"}), TOKEN, NOW),
    ):
        assert out.status == 401 and b"7349856938476102349" not in out.body
    missing = channel.handshake(HttpIn(method="GET", query=signed_query(TOKEN, NOW)), TOKEN, NOW)
    assert missing.status == 400


# --- respond: the passive reply -------------------------------------------------------------


def test_a_received_complaint_is_answered_with_its_number_from_the_account_to_the_resident() -> None:
    request = push("text_simplified").model_copy(update={"received_at": None})
    fields = reply_fields(WeChatChannel().respond(request, [outcome("received")]))
    assert set(fields) == {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"}
    assert fields["ToUserName"] == "oTest_openid_simplified_0001"
    assert fields["FromUserName"] == ACCOUNT
    assert fields["MsgType"] == "text"
    assert int(fields["CreateTime"]) > 1_700_000_000
    assert fields["Content"] == (
        "您的投诉已登记，编号 01WECHAT0000000000000000。我们会尽快处理，处理进展会在这里通知您。"
    )


def test_the_reply_time_is_the_time_the_request_arrived() -> None:
    from datetime import UTC, datetime

    request = push("text_simplified").model_copy(update={"received_at": datetime.fromtimestamp(NOW, tz=UTC)})
    assert reply_fields(WeChatChannel().respond(request, [outcome("received")]))["CreateTime"] == str(
        int(NOW)
    )


def test_a_retried_delivery_is_told_it_is_already_registered() -> None:
    fields = reply_fields(WeChatChannel().respond(push("text_simplified"), [outcome("duplicate")]))
    assert fields["Content"] == "这条投诉已经登记过了，编号 01WECHAT0000000000000000。"


@pytest.mark.parametrize("status", ["rejected", "linked", "answer"])
def test_other_outcomes_say_intakes_own_message(status: str) -> None:
    said = "您反映的问题已并入之前的投诉 01EARLIER，我们会一并处理。"
    out = WeChatChannel().respond(push("voice_recognised"), [outcome(status, message=said)])
    fields = reply_fields(out)
    assert fields["Content"] == said and fields["ToUserName"] == "oTest_openid_voice_000000004"


@pytest.mark.parametrize("name", ["voice_unrecognised", "image", "location"])
def test_a_message_without_words_is_asked_to_describe_the_problem(name: str) -> None:
    fields = reply_fields(WeChatChannel().respond(push(name), []))
    assert fields["Content"] == ASK_FOR_TEXT == "请用文字描述您要投诉的问题，并写明楼栋和房号。"


def test_a_new_follower_is_welcomed_with_how_to_complain() -> None:
    fields = reply_fields(WeChatChannel().respond(push("event_subscribe"), []))
    assert fields["Content"] == WELCOME and "楼栋和房号" in WELCOME
    assert fields["ToUserName"] == "oTest_openid_subscribe_00008"


def test_other_events_get_success_wechats_no_reply() -> None:
    out = WeChatChannel().respond(push("event_click"), [])
    assert (out.status, out.body) == (200, b"success")


def test_a_message_that_cannot_end_its_cdata_early() -> None:
    said = "注意 ]]><Content>伪造</Content> 与控制字符\x01"
    fields = reply_fields(
        WeChatChannel().respond(push("text_simplified"), [outcome("rejected", message=said)])
    )
    assert fields["Content"] == "注意 ]]><Content>伪造</Content> 与控制字符"


# --- refuse ---------------------------------------------------------------------------------


def test_an_over_long_text_is_told_its_length_and_the_limit() -> None:
    detail = "text is 2611 characters; at most 2000 are accepted"
    out = WeChatChannel().refuse(push("text_long"), 422, detail)
    fields = reply_fields(out)
    assert "2611" in fields["Content"] and "2000" in fields["Content"]
    assert fields["ToUserName"] == "oTest_openid_long_text_00003" and fields["FromUserName"] == ACCOUNT


@pytest.mark.parametrize(
    ("status", "detail", "says"),
    [
        (422, "unknown estate 'e9' for this account", "暂时无法登记"),
        (413, "evidence is 99999999 bytes", "太大"),
        (400, "a text message needs Content", "没能读取"),
    ],
)
def test_refusals_the_resident_can_act_on_are_explained_in_chinese(
    status: int, detail: str, says: str
) -> None:
    content = reply_fields(WeChatChannel().refuse(push("text_simplified"), status, detail))["Content"]
    assert says in content and detail not in content


@pytest.mark.parametrize("status", [401, 429, 403])
def test_other_refusals_keep_their_status_and_say_success(status: int) -> None:
    out = WeChatChannel().refuse(push("text_simplified"), status, "unknown account or bad credentials")
    assert (out.status, out.content_type, out.body) == (status, "text/plain", b"success")


def test_an_unreadable_message_cannot_be_replied_to_so_it_keeps_its_status() -> None:
    out = WeChatChannel().refuse(push("bad_malformed"), 400, "the body is not well-formed XML")
    assert (out.status, out.body) == (400, b"success")


# --- send: the customer-service API, against a fake WeChat -----------------------------------


class FakeWeChat:
    """WeChat's token and customer-service endpoints, scripted per test."""

    def __init__(self, *send_answers: dict[str, Any], token_answers: list[dict[str, Any]] | None = None):
        self.send_answers = list(send_answers) or [{"errcode": 0, "errmsg": "ok"}]
        self.token_answers = token_answers or []
        self.tokens_issued = 0
        self.sent: list[dict[str, Any]] = []
        self.tokens_used: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/token":
            return self._token(request)
        if request.url.path == "/cgi-bin/message/custom/send":
            self.tokens_used.append(request.url.params["access_token"])
            self.sent.append(json.loads(request.content))
            scripted = self.send_answers.pop(0) if len(self.send_answers) > 1 else self.send_answers[0]
            answer = dict(scripted)  # the last answer repeats: leave it as scripted
            return httpx.Response(answer.pop("_status", 200), json=answer)
        return httpx.Response(404)

    def _token(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        assert params["grant_type"] == "client_credential"
        assert (params["appid"], params["secret"]) == ("wx1234567890abcdef", "app-secret-0123")
        if self.token_answers:
            return httpx.Response(200, json=self.token_answers.pop(0))
        self.tokens_issued += 1
        return httpx.Response(200, json={"access_token": f"TOKEN-{self.tokens_issued}", "expires_in": 7200})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


CONFIG = {"appid": "wx1234567890abcdef", "appsecret": "app-secret-0123", "api_base": "https://wx.test"}


def channel_for(fake: FakeWeChat, clock: Clock | None = None, **config: str) -> WeChatChannel:
    return WeChatChannel(
        ChannelConfig("wechat", {**CONFIG, **config}),
        transport=httpx.MockTransport(fake.handler),
        clock=clock or Clock(),
    )


def outbound(
    message_id: str = "ev-1", questions: tuple[str, ...] = (), openid: str | None = "oRes1"
) -> Outbound:
    return Outbound(
        message_id=message_id,
        complaint_id="01WECHAT0000000000000000",
        kind="clarify" if questions else "update",
        text="关于您反映的漏水问题，需要再确认几点：" if questions else "维修师傅已上门处理。",
        questions=questions,
        account="wx-main",
        address=ContactDraft(reply_to=openid),
    )


async def test_a_reply_is_a_customer_service_text_message_to_the_openid() -> None:
    fake = FakeWeChat()
    await channel_for(fake).send(outbound())
    assert fake.sent == [{"touser": "oRes1", "msgtype": "text", "text": {"content": "维修师傅已上门处理。"}}]


async def test_questions_are_a_numbered_list_under_the_text() -> None:
    fake = FakeWeChat()
    message = outbound(questions=("漏水的是哪个房间？", "方便上门的时间？"))
    await channel_for(fake).send(message)
    assert fake.sent[0]["text"]["content"] == (
        "关于您反映的漏水问题，需要再确认几点：\n1. 漏水的是哪个房间？\n2. 方便上门的时间？"
    )
    assert outbound_text(message) == fake.sent[0]["text"]["content"]


async def test_the_access_token_is_cached_until_shortly_before_it_expires() -> None:
    fake, clock = FakeWeChat(), Clock()
    channel = channel_for(fake, clock)
    await channel.send(outbound("ev-1"))
    clock.now += 7200 - 301
    await channel.send(outbound("ev-2"))
    assert fake.tokens_issued == 1
    clock.now += 2  # within the 300 s margin: fetched again
    await channel.send(outbound("ev-3"))
    assert fake.tokens_issued == 2 and fake.tokens_used == ["TOKEN-1", "TOKEN-1", "TOKEN-2"]


@pytest.mark.parametrize("errcode", [42001, 40001])
async def test_an_expired_or_invalid_token_is_refreshed_once_and_the_message_sent(errcode: int) -> None:
    fake = FakeWeChat({"errcode": errcode, "errmsg": "access_token expired"}, {"errcode": 0, "errmsg": "ok"})
    await channel_for(fake).send(outbound())
    assert fake.tokens_used == ["TOKEN-1", "TOKEN-2"] and len(fake.sent) == 2


async def test_a_fresh_token_rejected_again_is_transient_not_a_loop() -> None:
    fake = FakeWeChat({"errcode": 42001, "errmsg": "access_token expired"})
    with pytest.raises(SendFailed) as err:
        await channel_for(fake).send(outbound())
    assert err.value.transient and len(fake.sent) == 2


async def test_after_48_hours_wechat_forbids_the_message_for_good() -> None:
    fake = FakeWeChat({"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"})
    with pytest.raises(SendFailed, match="48 hours") as err:
        await channel_for(fake).send(outbound())
    assert not err.value.transient and "oRes1" not in str(err.value)


@pytest.mark.parametrize(
    "answer",
    [{"errcode": -1, "errmsg": "system error"}, {"_status": 502}, {"errcode": 45011, "errmsg": "quota"}],
)
async def test_a_busy_wechat_is_worth_retrying(answer: dict[str, Any]) -> None:
    with pytest.raises(SendFailed) as err:
        await channel_for(FakeWeChat(answer)).send(outbound())
    assert err.value.transient


async def test_a_network_error_is_transient_and_names_neither_token_nor_secret() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

    channel = WeChatChannel(ChannelConfig("wechat", CONFIG), transport=httpx.MockTransport(unreachable))
    with pytest.raises(SendFailed) as err:
        await channel.send(outbound())
    assert err.value.transient and "app-secret" not in str(err.value) and "ConnectError" in str(err.value)


async def test_a_bad_appsecret_is_not_retried() -> None:
    fake = FakeWeChat(token_answers=[{"errcode": 40125, "errmsg": "invalid appsecret"}])
    with pytest.raises(SendFailed, match="40125") as err:
        await channel_for(fake).send(outbound())
    assert not err.value.transient and fake.sent == []


async def test_sending_needs_appid_and_appsecret_but_receiving_does_not() -> None:
    channel = WeChatChannel(ChannelConfig("wechat", {}), transport=httpx.MockTransport(FakeWeChat().handler))
    assert channel.parse(push("text_simplified"))
    with pytest.raises(SendFailed, match="TOUSU_CHANNEL_WECHAT_APPID") as err:
        await channel.send(outbound())
    assert not err.value.transient


async def test_a_complainant_without_an_openid_cannot_be_written_to() -> None:
    with pytest.raises(SendFailed) as err:
        await channel_for(FakeWeChat()).send(outbound(openid=None))
    assert not err.value.transient


async def test_a_redelivered_reply_is_sent_once() -> None:
    fake = FakeWeChat()
    channel = channel_for(fake)
    await channel.send(outbound("ev-9"))
    await channel.send(outbound("ev-9"))
    assert len(fake.sent) == 1


async def test_a_failed_reply_is_sent_again_on_retry() -> None:
    fake = FakeWeChat({"errcode": -1, "errmsg": "busy"}, {"errcode": 0, "errmsg": "ok"})
    channel = channel_for(fake)
    with pytest.raises(SendFailed):
        await channel.send(outbound("ev-10"))
    await channel.send(outbound("ev-10"))
    assert len(fake.sent) == 2


def test_the_api_base_defaults_to_wechats() -> None:
    assert WeChatChannel().api.api_base == "https://api.weixin.qq.com"
    assert channel_for(FakeWeChat(), api_base="https://wx.test/").api.api_base == "https://wx.test"
