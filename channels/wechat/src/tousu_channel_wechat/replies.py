"""What the resident reads: WeChat's passive reply (被动回复) and its texts.

A passive reply is the HTTP answer to the pushed message itself: a text message back,
from the official account to the resident, in WeChat's XML. It must leave within five
seconds, and it is the only answer WeChat shows for that message; ``success`` is
WeChat's "no reply" (shown as nothing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tousu_channel_wechat.message import WeChatMessage
from tousu_channels import HttpOut, Outcome

#: WeChat's "nothing to say": any other non-XML answer shows the resident an error
NO_REPLY = "success"

ASK_FOR_TEXT = "请用文字描述您要投诉的问题，并写明楼栋和房号。"
WELCOME = (
    "感谢关注！如需投诉或报修，请直接在这里用文字描述问题，并写明楼栋和房号"
    "（如：7栋1单元1103，楼上漏水）。我们登记后会回复投诉编号，处理进展也会在这里通知您。"
)
UNREADABLE = "抱歉，这条消息没能读取。" + ASK_FOR_TEXT
TOO_LARGE = "抱歉，您发送的内容太大，没能登记。请精简后用文字重新发送。"
NOT_REGISTERED = "抱歉，这条投诉暂时无法登记，请稍后再试，或直接联系物业服务中心。"

# intake's wording for an over-long text (registration.Limits.max_text_chars)
_TEXT_TOO_LONG = re.compile(r"text is (\d+) characters; at most (\d+)")
# characters XML 1.0 cannot carry at all, not even in CDATA
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def outcome_text(outcome: Outcome) -> str:
    """One registration outcome, as the resident should read it."""
    number = f"，编号 {outcome.complaint_id}" if outcome.complaint_id else ""
    if outcome.status == "received":
        return f"您的投诉已登记{number}。我们会尽快处理，处理进展会在这里通知您。"
    if outcome.status == "duplicate":
        return f"这条投诉已经登记过了{number}。"
    return outcome.message  # rejected, linked, answer: intake's own words


def reply_content(message: WeChatMessage, outcomes: Sequence[Outcome]) -> str | None:
    """What to answer ``message``; None: answer nothing (``success``)."""
    if outcomes:
        return "\n".join(outcome_text(o) for o in outcomes)
    if message.msg_type == "event":
        return WELCOME if message.event == "subscribe" else None
    return ASK_FOR_TEXT  # an image, an unrecognised voice, a location: nothing to register


def refusal_content(status: int, detail: str) -> str:
    """Why a message was not registered, in words a resident understands (not intake's)."""
    if status == 413:
        return TOO_LARGE
    if status == 422:
        if found := _TEXT_TOO_LONG.search(detail):
            size, most = found.groups()
            return f"抱歉，您的留言有 {size} 字，超过了 {most} 字的上限，没能登记。请精简后重新发送。"
        return NOT_REGISTERED
    return UNREADABLE


def passive_reply(message: WeChatMessage, content: str, now: int) -> HttpOut:
    """A text message from the account back to the resident who wrote ``message``."""
    xml = (
        "<xml>"
        f"<ToUserName>{_cdata(message.openid)}</ToUserName>"
        f"<FromUserName>{_cdata(message.account_id)}</FromUserName>"
        f"<CreateTime>{now}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content>"
        "</xml>"
    )
    return HttpOut(status=200, content_type="application/xml", body=xml.encode())


def no_reply(status: int = 200) -> HttpOut:
    return HttpOut(status=status, content_type="text/plain", body=NO_REPLY.encode())


def _cdata(text: str) -> str:
    # "]]>" would end the section early: split it across two sections.
    safe = _NOT_XML.sub("", text).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{safe}]]>"
