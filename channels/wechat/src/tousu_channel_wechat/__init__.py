"""The WeChat official account (公众号) channel, plaintext mode (明文模式).

Residents write to the property group's official account; WeChat pushes each message
to the developer URL, ``/v1/channels/wechat/<account>``, signed with the account's
Token. A text message, or a voice message WeChat has transcribed, is a complaint; an
image, a location, an untranscribed voice or an event is not, and gets a passive reply
that asks for words (or a welcome, for a new follower).

WeChat gives up on an answer after five seconds and pushes the same message again, up
to three times, with the same MsgId: ``wx:<MsgId>`` is the idempotency key, so a retry
is the same complaint. Later messages (progress, questions) go through the
customer-service API (:meth:`WeChatChannel.send`). See README.md.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence

import httpx
from pydantic import ValidationError

from tousu_channel_wechat.api import DEFAULT_API_BASE, Credentials, WeChatApi
from tousu_channel_wechat.message import MAX_BODY_BYTES, WeChatMessage, read_message
from tousu_channel_wechat.replies import (
    no_reply,
    passive_reply,
    refusal_content,
    reply_content,
)
from tousu_channels import (
    BadMessage,
    ChannelAdapter,
    ChannelConfig,
    ChannelError,
    ComplaintDraft,
    ContactDraft,
    HttpIn,
    HttpOut,
    Outbound,
    Outcome,
    SendFailed,
    Unauthorised,
)
from tousu_channels.validation import describe_validation_error
from tousu_shared.contracts.events import Channel
from tousu_shared.pii import PHONE_PATTERN

#: how far WeChat's timestamp may be from now before a push counts as a replay
TOLERANCE_SECONDS = 300
#: refusals WeChat would show as "该公众号暂时无法提供服务": said in a passive reply instead
EXPLAINED_REFUSALS = frozenset({400, 413, 422})
#: how many sent message ids to remember, to drop a redelivered reply
_SENT_MEMORY = 2048
_ASCII_DIGITS = frozenset("0123456789")


def signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's signature: sha1 of the sorted, concatenated token, timestamp and nonce."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def signed_query(token: str, now: float, nonce: str = "1405727853") -> dict[str, str]:
    """The query WeChat adds to a push (for tests and local tools)."""
    timestamp = str(int(now))
    return {"signature": signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


class WeChatChannel(ChannelAdapter):
    """Settings: ``api_base`` (default ``https://api.weixin.qq.com``), ``appid`` and
    ``appsecret`` (only to send). The account's secret in intake is its Token."""

    name = "wechat"
    can_reply = True

    def __init__(
        self,
        config: ChannelConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(config)
        api_base = self.config.get("api_base") or DEFAULT_API_BASE
        self.api = WeChatApi(api_base, self._credentials, transport=transport, clock=clock)
        self._sent: OrderedDict[str, None] = OrderedDict()

    # --- webhooks -------------------------------------------------------------------
    def verify(self, request: HttpIn, secret: str, now: float) -> None:
        query = request.query
        sig, timestamp, nonce = query.get("signature"), query.get("timestamp"), query.get("nonce")
        if not sig or not timestamp or not nonce:
            raise Unauthorised("send WeChat's signature, timestamp and nonce query parameters")
        if not secret:
            raise Unauthorised("the account has no Token")
        _check_fresh(timestamp, now)
        expected = signature(secret, timestamp, nonce)
        if not hmac.compare_digest(expected.encode(), sig.strip().lower().encode()):
            raise Unauthorised("the signature does not match the account's Token")

    def handshake(self, request: HttpIn, secret: str, now: float) -> HttpOut:
        """WeChat's URL check: a signed GET whose ``echostr`` must be answered as is."""
        try:
            self.verify(request, secret, now)
        except Unauthorised as exc:
            return HttpOut(status=401, content_type="text/plain", body=str(exc).encode())
        echostr = request.query.get("echostr")
        if not echostr:
            return HttpOut(status=400, content_type="text/plain", body=b"echostr is missing")
        return HttpOut(status=200, content_type="text/plain", body=echostr.encode())

    def parse(self, request: HttpIn) -> list[ComplaintDraft]:
        """A text or transcribed voice message is one complaint; anything else is none."""
        message = read_message(request.body)
        text = _complaint_text(message)
        if text is None:
            return []
        try:
            return [_draft(message, text)]
        except ValidationError as exc:
            raise BadMessage(describe_validation_error(exc)) from None

    def respond(self, request: HttpIn, outcomes: Sequence[Outcome]) -> HttpOut:
        message = _readable(request)
        if message is None:
            return no_reply()
        content = reply_content(message, outcomes)
        return no_reply() if content is None else passive_reply(message, content, _now(request))

    def refuse(self, request: HttpIn, status: int, detail: str) -> HttpOut:
        """400/413/422 as a passive reply (so the resident learns why); others as themselves."""
        message = _readable(request) if status in EXPLAINED_REFUSALS else None
        if message is None:
            return no_reply(status)
        return passive_reply(message, refusal_content(status, detail), _now(request))

    # --- replies --------------------------------------------------------------------
    async def send(self, message: Outbound) -> None:
        """A customer-service text message; only within 48 h of the resident's last message."""
        if message.message_id in self._sent:
            return  # a redelivered request for a reply already sent: WeChat has no dedup of its own
        openid = message.address.reply_to
        if not openid:
            raise SendFailed("the complainant has no WeChat openid to write to", transient=False)
        await self.api.send_text(openid, outbound_text(message))
        self._remember(message.message_id)

    def _credentials(self) -> Credentials:
        try:
            return Credentials(self.config.require("appid"), self.config.require("appsecret"))
        except ChannelError as exc:
            raise SendFailed(str(exc), transient=False) from None

    def _remember(self, message_id: str) -> None:
        self._sent[message_id] = None
        while len(self._sent) > _SENT_MEMORY:
            self._sent.popitem(last=False)


def outbound_text(message: Outbound) -> str:
    """The text, then the questions as a numbered list."""
    if not message.questions:
        return message.text
    numbered = [f"{i}. {q}" for i, q in enumerate(message.questions, start=1)]
    return "\n".join([message.text, *numbered])


def _check_fresh(timestamp: str, now: float) -> None:
    try:
        skew = abs(now - int(timestamp))
    except (ValueError, OverflowError):
        raise Unauthorised("timestamp is not unix seconds") from None
    if skew > TOLERANCE_SECONDS:
        raise Unauthorised(f"timestamp is {int(skew)} s away from now; at most {TOLERANCE_SECONDS}")


def _complaint_text(message: WeChatMessage) -> str | None:
    """The words of a complaint, or None for a message that carries none."""
    if message.msg_type == "text":
        content = message.get("Content")
        if content is None:
            raise BadMessage("a text message needs Content")
        return content
    if message.msg_type == "voice":
        recognition = message.get("Recognition")
        if recognition is None:
            return None  # not transcribed: respond asks the resident to type it
        # The recording stays fetchable from WeChat for a few days: note its id for staff.
        media = message.get("MediaId")
        return f"{recognition}\n（微信语音，系统转写；MediaId {media}）" if media else recognition
    # image, location, link, video, events: no words to register (and media cannot be
    # fetched offline), so nothing is registered and respond asks for a description
    return None


def _draft(message: WeChatMessage, text: str) -> ComplaintDraft:
    return ComplaintDraft(
        source_message_id=f"wx:{message.msg_id()}",
        channel=Channel.wechat,
        text=text,
        contact=ContactDraft(reply_to=message.openid, phone=_mobile_in(text)),
    )


def _mobile_in(text: str) -> str | None:
    """The first mainland mobile number in the text, if the resident wrote one."""
    # NFKC: a number typed with full-width digits (１３８…) is the same number.
    for found in PHONE_PATTERN.finditer(unicodedata.normalize("NFKC", text)):
        digits = "".join(ch for ch in found.group(0) if ch in _ASCII_DIGITS)
        national = digits[2:] if len(digits) == 13 and digits.startswith("86") else digits
        if len(national) == 11 and national.startswith("1"):
            return national  # landlines are skipped: often the office the resident could not reach
    return None


def _readable(request: HttpIn) -> WeChatMessage | None:
    try:
        return read_message(request.body)
    except BadMessage:
        return None


def _now(request: HttpIn) -> int:
    return int(request.received_at.timestamp() if request.received_at else time.time())


__all__ = [
    "MAX_BODY_BYTES",
    "TOLERANCE_SECONDS",
    "WeChatChannel",
    "outbound_text",
    "signature",
    "signed_query",
]
