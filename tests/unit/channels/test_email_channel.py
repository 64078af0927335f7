"""The e-mail channel: real clients' mail read as complaints, a maildir polled, replies sent by SMTP."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tousu_channel_email import EmailChannel, parse_message
from tousu_channel_email.replies import build_reply
from tousu_channel_email.text import decode_bytes, decode_header_text, html_to_text, strip_quoted
from tousu_channels import (
    BadMessage,
    ChannelConfig,
    ChannelError,
    ContactDraft,
    HttpIn,
    Outbound,
    SendFailed,
)
from tousu_channels.adapter import Polled
from tousu_channels.conformance import ChannelConformance

SAMPLES = Path(__file__).parent / "samples" / "email"
GOOD = sorted(p.name for p in SAMPLES.glob("*.eml") if not p.name.startswith("bad-"))
BAD = sorted(p.name for p in SAMPLES.glob("bad-*.eml"))


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def mail(headers: str, body: bytes = b"", *, crlf: bool = True) -> bytes:
    """A hand-written message: headers as text, body as the bytes a client would put there."""
    head = headers.strip("\n").replace("\n", "\r\n" if crlf else "\n").encode()  # 8-bit utf-8 if not ASCII
    return head + (b"\r\n\r\n" if crlf else b"\n\n") + body


class TestEmailConformance(ChannelConformance):
    adapter_class = EmailChannel
    config = {  # noqa: RUF012 - the kit declares it a ClassVar
        "maildir": "/var/mail/tousu",
        "account": "jx-mailbox",
        "from_address": "锦绣兰亭物业 <tousu@jx-wuye.cn>",
        "smtp_host": "127.0.0.1",
    }

    def good_messages(self) -> list[HttpIn]:
        return [HttpIn(body=sample(name)) for name in GOOD]

    def bad_messages(self) -> list[HttpIn]:
        return [
            *(HttpIn(body=sample(name)) for name in BAD),
            HttpIn(body=b""),
            HttpIn(body=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            HttpIn(body=b'{"text": "not a mail"}'),
            HttpIn(body=b"<html><body>hello</body></html>"),
            HttpIn(body=sample(GOOD[0]) + b"x" * (10 * 1024 * 1024)),  # over max_bytes
            HttpIn(body=mail("From: a@example.com\nSubject: \nContent-Type: text/plain", b"   \r\n\r\n")),
        ]


# --- what each sample gives -------------------------------------------------------------
def test_samples_cover_the_clients_the_brief_names() -> None:
    assert len(GOOD) >= 8 and len(BAD) >= 2


def test_foxmail_gbk_declared_gb2312_with_an_estate_tag() -> None:
    draft = parse_message(sample("foxmail-gbk-estate-tag.eml"))
    assert draft.source_message_id == "202612021030113461527@163.com"
    assert draft.channel == "email" and draft.occurred_at is None
    assert draft.estate_id == "jx-lanting"
    assert draft.text.startswith("楼道漏水，墙皮脱落\n\n物业你好：\n\n我是兰亭苑7栋1单元1103的业主王堃。")
    assert "[jx-lanting]" not in draft.text
    # 堃 is GBK, not GB2312: the declared charset alone would have lost it
    assert draft.contact == ContactDraft(
        name="王堃", email="wangkun1988@163.com", reply_to="wangkun1988@163.com", phone="13800138000"
    )
    assert draft.evidence == ()


def test_outlook_reply_keeps_only_the_new_words() -> None:
    draft = parse_message(sample("outlook-reply-quoted.eml"))
    assert draft.source_message_id.startswith("SG2PR06MB50305B1D0A6D3E6F1C2B9A41C8E62@")
    assert draft.text == (
        "回复: [投诉编号 01JDX7Q2W3E4R5T6Y7U8I9O0PA] 已收到您的投诉\n\n您好，\n\n"
        "上周反映的地下车库B2层排水沟堵塞问题，维修师傅来看过之后还是没有解决，"
        "今天早上积水已经漫到车位了。希望物业这次能彻底处理。\n\n李明"
    )
    assert "0755-86001234" not in draft.text  # the property's own number, in the quote
    assert draft.contact.phone is None and draft.contact.name == "李明"
    assert draft.estate_id is None  # [投诉编号 …] is not an estate tag


def test_qq_mail_html_only_becomes_text_without_style_or_script() -> None:
    draft = parse_message(sample("qqmail-html-only.eml"))
    assert draft.text.startswith("东门垃圾桶三天没清理\n\n投诉：小区东门的垃圾桶已经三天没人清理了，")
    assert "苍蝇&老鼠" in draft.text  # entities decoded
    for leftover in ("font-family", "_qm_stat", "<p>", "发自QQ邮箱"):
        assert leftover not in draft.text
    assert draft.contact.name == "陈女士" and draft.contact.email == "2456789011@qq.com"
    assert draft.contact.phone == "13912345678"  # written as +86 139 1234 5678


def test_iphone_mail_with_a_photo_and_a_pdf() -> None:
    raw = sample("iphone-photo-pdf.eml")
    draft = parse_message(raw)
    photo, pdf = draft.evidence
    assert (photo.filename, photo.content_type) == ("IMG_0423.jpeg", "image/jpeg")
    assert photo.data.startswith(b"\xff\xd8\xff\xe0") and photo.data.endswith(b"\xff\xd9")
    assert (pdf.filename, pdf.content_type) == ("维修申请回执.pdf", "application/pdf")  # RFC 2231 name
    assert pdf.data.startswith(b"%PDF-1.4") and pdf.data.rstrip().endswith(b"%%EOF")
    assert (photo.size, pdf.size) == (332, 460)
    assert photo.sha256 == hashlib.sha256(photo.data).hexdigest()
    # the text before and after the inline photo, without the client's footer
    assert draft.text == (
        "电梯天花板掉下来了\n\n3栋2单元的电梯天花板掉下来一块，差点砸到小孩，照片如下：\n\n"
        "附件是上个月物业给的维修申请回执，到现在也没修。电话 186-2000-1234 不常接，请发邮件联系。"
    )
    assert draft.contact.phone == "18620001234"
    assert draft.source_message_id == "3B7C9E21-4D5F-4A6B-8C0D-1E2F3A4B5C6D@icloud.com"


def test_big5_from_hong_kong_uses_hkscs_characters() -> None:
    draft = parse_message(sample("big5-hongkong.eml"))
    assert draft.contact.name == "陳大文"
    assert draft.text.startswith("樓上冷氣機滴水\n\n管理處：\n\n本人住喺碧濤邨5座12樓C室")
    assert "啱啱又滴濕咗我嘅窗台" in draft.text and "\ufffd" not in draft.text
    assert draft.contact.phone is None  # +852 is not a mainland mobile


def test_a_fax_gateway_mail_without_message_id_or_charset() -> None:
    raw = sample("fax-gateway-no-message-id.eml")
    draft = parse_message(raw)
    assert draft.source_message_id == "sha256:" + hashlib.sha256(raw).hexdigest()[:40]
    assert parse_message(raw).source_message_id == draft.source_message_id  # the same file, the same key
    assert draft.text.startswith(
        "传真件 来自 0755-86002233\n\n传真投诉件，共1页。"
    )  # Q-encoded GB2312, 8-bit GBK
    assert draft.contact.phone == "13922223333"  # the mobile, not the fax's landline
    assert [e.filename for e in draft.evidence] == ["fax-20261201-1744.pdf"]
    assert draft.contact.name is None and draft.contact.email == "fax-gateway@jx-wuye.cn"


def test_gmail_in_english_with_reply_to_and_a_wrapped_quote_header() -> None:
    draft = parse_message(sample("gmail-english.eml"))
    assert draft.contact == ContactDraft(
        name="John Smith", email="john.smith.sz@gmail.com", reply_to="j.smith.work@example.com"
    )
    assert draft.text.endswith("Could you tell me when it reopens?\n\nThanks,\nJohn Smith\nBlock 6, 18B")
    assert "wrote" not in draft.text and "Dear resident" not in draft.text


def test_netease_mail_that_declares_utf8_but_is_gbk() -> None:
    draft = parse_message(sample("netease-wrong-charset-reply.eml"))
    assert draft.text == (
        "回复:北门道闸坏了\n\n你们好，小区北门的道闸坏了一个星期了，车辆进出要排很长的队，早高峰堵到马路上。\n"
        "请物业给个修好的时间。"
    )


def test_an_inline_photo_only_in_the_html_version_is_kept() -> None:
    draft = parse_message(sample("huawei-inline-image.eml"))
    assert draft.text == "地下车库灯坏了好几盏\n\n地下车库B1层靠近电梯口的灯坏了好几盏，晚上很黑，见图。"
    [photo] = draft.evidence
    assert (photo.filename, photo.content_type) == ("attachment-1.jpg", "image/jpeg")
    assert photo.data.startswith(b"\xff\xd8")


def test_every_sample_has_its_own_key_and_no_replacement_characters() -> None:
    drafts = [parse_message(sample(name)) for name in GOOD]
    assert len({d.source_message_id for d in drafts}) == len(drafts)
    assert all("\ufffd" not in d.text and "\x00" not in d.text for d in drafts)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bad-no-from.eml", "no From"),
        ("bad-no-body.eml", "no body and no attachment"),
        ("bad-vacation-autoreply.eml", "automatic reply"),
        ("bad-bounce.eml", "delivery report"),
    ],
)
def test_bad_samples_say_why(name: str, reason: str) -> None:
    with pytest.raises(BadMessage, match=reason):
        parse_message(sample(name))


def test_refusals_are_clear_and_hold_no_personal_data() -> None:
    with pytest.raises(BadMessage, match="the limit is 100") as exc:
        parse_message(sample("foxmail-gbk-estate-tag.eml"), max_bytes=100)
    assert "wangkun" not in str(exc.value)
    no_text = mail(
        "From: 13800138000@139.com\nSubject:\nContent-Type: multipart/mixed; boundary=b",
        b"--b\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n--b--\r\n",
    )
    with pytest.raises(BadMessage, match="no text") as exc:
        parse_message(no_text)
    assert "13800138000" not in str(exc.value)
    with pytest.raises(BadMessage, match="no e-mail address"):
        parse_message(mail("From: 张三\nSubject: hi", b"body"))


def test_the_max_bytes_setting_applies_to_parse() -> None:
    adapter = EmailChannel(ChannelConfig("email", {"max_bytes": "1000"}))
    with pytest.raises(BadMessage, match="the limit is 1000"):
        adapter.parse(HttpIn(body=sample("outlook-reply-quoted.eml")))
    with pytest.raises(ChannelError, match="max_bytes"):
        EmailChannel(ChannelConfig("email", {"max_bytes": "lots"})).parse(HttpIn(body=b"x"))


def test_message_ids_are_normalised() -> None:
    def key(message_id: str) -> str:
        return parse_message(
            mail(f"From: a@example.com\nMessage-ID: {message_id}\nSubject: s", b"b")
        ).source_message_id

    assert key("<abc.123@mx.example.com>") == "abc.123@mx.example.com"
    assert key("\n <abc.123@mx.example.com>") == "abc.123@mx.example.com"  # folded
    assert key("abc.123@mx.example.com") == "abc.123@mx.example.com"
    assert key("<" + "x" * 200 + "@example.com>").startswith("sha256:")
    assert len(key("<" + "x" * 200 + "@example.com>")) == len("sha256:") + 40


@pytest.mark.parametrize(
    ("subject", "estate", "left"),
    [
        ("[jx-lanting] 楼道漏水", "jx-lanting", "楼道漏水"),
        ("楼道漏水 [sz-binhai-2]", "sz-binhai-2", "楼道漏水"),
        ("Re: [投诉编号 01JDX7Q2W3E4R5T6Y7U8I9O0PA] 需要您补充情况", None, None),
        ("[URGENT] lift broken", None, None),
        ("楼道漏水", None, None),
    ],
)
def test_the_estate_comes_from_a_subject_tag(subject: str, estate: str | None, left: str | None) -> None:
    encoded = "=?UTF-8?B?" + base64.b64encode(subject.encode()).decode() + "?="
    draft = parse_message(mail(f"From: a@example.com\nSubject: {encoded}", b"body"))
    assert draft.estate_id == estate
    assert draft.text.split("\n\n")[0] == (left or subject)


# --- quoted replies ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "quote",
    [
        "-----Original Message-----\nFrom: 物业 <tousu@jx-wuye.cn>\n旧内容",
        "-----原始邮件-----\n发件人: 物业\n旧内容",
        '------------------ 原始邮件 ------------------\n发件人: "物业"<tousu@jx-wuye.cn>;\n旧内容',
        "在 2026年12月1日 上午10:00，物业客服 <tousu@jx-wuye.cn> 写道：\n\n旧内容",
        '在 2026-12-01 10:00:00，"物业客服" <tousu@jx-wuye.cn> 写道：\n旧内容',
        "物业客服 <tousu@jx-wuye.cn> 于2026年12月1日周二 10:00写道：\n旧内容",
        "On Tue, 1 Dec 2026 at 10:00, Service <tousu@jx-wuye.cn> wrote:\n旧内容",
        "On Tue, 1 Dec 2026 at 10:00, Service <\ntousu@jx-wuye.cn> wrote:\n旧内容",
        "______________________\nFrom: Service <tousu@jx-wuye.cn>\nSent: Tuesday, 1 Dec 2026\n旧内容",
        "发件人: 物业客服\n发送时间: 2026年12月1日 10:00\n收件人: 我\n旧内容",
        "> 旧内容\n> 更旧的内容",
    ],
)
def test_quoted_replies_are_removed(quote: str) -> None:
    assert strip_quoted(f"电梯又坏了。\n\n{quote}\n") == "电梯又坏了。"


def test_words_that_only_look_like_quote_headers_stay() -> None:
    text = "他在信里写道：物业不管。\n我在通知上看到：From: 物业\n月底前修好"
    assert strip_quoted(text) == text
    assert strip_quoted("Once upon a time it wrote: nothing") == "Once upon a time it wrote: nothing"


def test_a_bare_forward_keeps_what_it_carries() -> None:
    raw = mail(
        "From: a@example.com\nSubject: Fwd: 信\nContent-Type: text/plain; charset=utf-8",
        "-----Original Message-----\n楼下商铺油烟扰民。".encode(),
    )
    assert "楼下商铺油烟扰民" in parse_message(raw).text


def test_html_to_text_drops_scripts_and_styles_and_keeps_lines() -> None:
    html = (
        "<html><head><title>t</title><style>p{x:1}</style></head><body>"
        "<p>一行</p><script>alert(1)</script>二<br>三&nbsp;&lt;四&gt;<div>五</div></body></html>"
    )
    assert html_to_text(html) == "一行\n二\n三 <四>\n五"
    assert html_to_text("<p>unclosed <b>bold") == "unclosed bold"


# --- charsets ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("投诉".encode("gbk"), "gb2312", "投诉"),
        ("王堃".encode("gbk"), "gb2312", "王堃"),  # GBK-only character under a gb2312 label
        ("投诉".encode("gb18030"), "utf-8", "投诉"),  # wrong charset
        ("投诉".encode("gbk"), None, "投诉"),  # missing charset
        ("投诉".encode(), None, "投诉"),
        ("投诉".encode(), "x-no-such-charset", "投诉"),
        ("啱".encode("big5hkscs"), "big5", "啱"),
        ("管理處".encode("big5"), "BIG5", "管理處"),
        (b"tidy", "us-ascii", "tidy"),
    ],
)
def test_decode_falls_back_and_never_fails(data: bytes, charset: str | None, expected: str) -> None:
    assert decode_bytes(data, charset) == expected


def test_undecodable_bytes_become_replacement_characters() -> None:
    assert "\ufffd" in decode_bytes(b"\xff\xfe\xfa\x80\x80", "utf-8")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?GBK?B?1cXI/Q==?=", "张三"),
        ("=?gb2312?Q?=D5=C5=C8=FD?= <zs@example.com>", "张三 <zs@example.com>"),
        ("=?utf-8?B?5byg?= =?utf-8?B?5LiJ?=", "张三"),  # the space between words is not text
        ("=?utf-8?B?5bw=?= =?utf-8?B?oOS4iQ==?=", "张三"),  # a character split across two words
        ("=?big5?B?s6+kag==?=", "陳大"),
        ("=?utf-8?B?bad!!?=", "bad!!"),
        ("plain text", "plain text"),
        ("=?x-unknown?B?5byg5LiJ?=", "张三"),
    ],
)
def test_encoded_headers(raw: str, expected: str) -> None:
    assert decode_header_text(raw) == expected


def test_raw_8bit_headers_and_a_wrong_header_charset() -> None:
    raw = (
        b"From: \xd5\xc5\xc8\xfd <zs@example.com>\r\n"  # raw GBK, no encoded word
        b"Subject: =?utf-8?B?" + base64.b64encode("楼道漏水".encode("gbk")) + b"?=\r\n"
        b"\r\nbody\r\n"
    )
    draft = parse_message(raw)
    assert draft.contact.name == "张三"
    assert draft.text.startswith("楼道漏水\n\n")


def test_attachment_names_are_decoded_and_made_safe() -> None:
    gbk_name = base64.b64encode("照片.jpg".encode("gbk")).decode()
    raw = mail(
        "From: a@example.com\nSubject: s\nContent-Type: multipart/mixed; boundary=b",
        (
            "--b\r\nContent-Type: text/plain\r\n\r\n看附件\r\n"
            f'--b\r\nContent-Type: image/jpeg; name="=?GBK?B?{gbk_name}?="\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n"
            "--b\r\nContent-Type: application/octet-stream\r\n"
            'Content-Disposition: attachment; filename="..\\..\\evil.exe"\r\n\r\nMZ\r\n'
            "--b\r\nContent-Type: application/pdf\r\n"
            'Content-Disposition: attachment; filename="empty.pdf"\r\n\r\n'
            "--b--\r\n"
        ).encode(),
    )
    draft = parse_message(raw)
    assert [e.filename for e in draft.evidence] == ["照片.jpg", "evil.exe"]  # the empty one is dropped


def test_deep_nesting_is_a_bad_message() -> None:
    head = "From: a@example.com\nSubject: s\nContent-Type: multipart/mixed; boundary=b0"
    body = "".join(f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n" for i in range(40))
    with pytest.raises(BadMessage):
        parse_message(mail(head, body.encode() + b"--b40\r\nContent-Type: text/plain\r\n\r\nx\r\n"))


# --- the maildir ------------------------------------------------------------------------
@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    root = tmp_path / "Maildir"
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True)
    return root


def deliver(root: Path, key: str, data: bytes, *, info: str | None = None) -> str:
    """As an MTA delivers: write into tmp/, rename into new/ (or cur/ with flags)."""
    (root / "tmp" / key).write_bytes(data)
    target = root / "new" / key if info is None else root / "cur" / f"{key}:{info}"
    os.rename(root / "tmp" / key, target)
    return key


def channel(root: Path, **settings: str) -> EmailChannel:
    values = {"maildir": str(root), "account": "jx-mailbox", **settings}
    return EmailChannel(ChannelConfig("email", values))


async def polled(adapter: EmailChannel) -> list[Polled]:
    return [p async for p in adapter.poll()]


async def test_poll_yields_each_new_message_with_its_account(maildir: Path) -> None:
    deliver(maildir, "1764640800.M1P100.mx", sample("foxmail-gbk-estate-tag.eml"))
    deliver(maildir, "1764640801.M2P100.mx", sample("big5-hongkong.eml"))
    found = await polled(channel(maildir))
    assert [(p.account, p.reference) for p in found] == [
        ("jx-mailbox", "1764640800.M1P100.mx"),
        ("jx-mailbox", "1764640801.M2P100.mx"),
    ]
    assert found[0].drafts[0].source_message_id == "202612021030113461527@163.com"
    assert found[1].drafts[0].contact.name == "陳大文"


async def test_settle_moves_the_message_to_cur_as_seen(maildir: Path) -> None:
    adapter = channel(maildir)
    key = deliver(maildir, "1764640800.M1P100.mx", sample("gmail-english.eml"))
    [first] = await polled(adapter)
    await adapter.settle(first, [])
    assert not (maildir / "new" / key).exists()
    assert (maildir / "cur" / f"{key}:2,S").read_bytes() == sample("gmail-english.eml")  # bytes untouched
    assert await polled(adapter) == []
    assert await polled(channel(maildir)) == []  # a restarted intake does not read it again


async def test_an_unsettled_message_is_read_again_with_the_same_key(maildir: Path) -> None:
    deliver(maildir, "1764640800.M1P100.mx", sample("fax-gateway-no-message-id.eml"))
    [first] = await polled(channel(maildir))
    [again] = await polled(channel(maildir))  # intake crashed before settling
    assert again.reference == first.reference
    assert again.drafts[0].source_message_id == first.drafts[0].source_message_id


async def test_a_broken_message_is_set_aside_and_polling_goes_on(maildir: Path) -> None:
    deliver(maildir, "1764640800.M1P100.mx", sample("qqmail-html-only.eml"))
    deliver(maildir, "1764640801.M2P100.mx", b"\x00\x01 this is not mail at all")
    deliver(maildir, "1764640802.M3P100.mx", sample("bad-vacation-autoreply.eml"))
    deliver(maildir, "1764640803.M4P100.mx", sample("huawei-inline-image.eml"))
    found = await polled(channel(maildir))
    assert [p.reference for p in found] == ["1764640800.M1P100.mx", "1764640803.M4P100.mx"]
    rejected = maildir / ".rejected"
    assert (rejected / "maildirfolder").exists()  # a real Maildir++ folder a mail client can open
    assert (rejected / "new" / "1764640801.M2P100.mx").read_bytes() == b"\x00\x01 this is not mail at all"
    assert "BadMessage: not an e-mail: it has no From header" in (
        rejected / "1764640801.M2P100.mx.error.txt"
    ).read_text(encoding="utf-8")
    assert "automatic reply" in (rejected / "1764640802.M3P100.mx.error.txt").read_text(encoding="utf-8")
    assert sorted(os.listdir(maildir / "new")) == ["1764640800.M1P100.mx", "1764640803.M4P100.mx"]


async def test_intake_can_set_a_message_aside_by_its_reference(maildir: Path) -> None:
    adapter = channel(maildir)
    deliver(maildir, "1764640800.M1P100.mx", sample("foxmail-gbk-estate-tag.eml"))
    [item] = await polled(adapter)
    await adapter.set_aside(item.reference, BadMessage("unknown estate 'jx-lanting' for this account"))
    assert (maildir / ".rejected" / "new" / item.reference).exists()
    assert "unknown estate" in (maildir / ".rejected" / f"{item.reference}.error.txt").read_text("utf-8")
    assert await polled(adapter) == []


async def test_seen_and_unseen_messages_in_cur(maildir: Path) -> None:
    deliver(maildir, "1764640700.M1P100.mx", sample("gmail-english.eml"), info="2,S")  # done already
    deliver(maildir, "1764640701.M2P100.mx", sample("big5-hongkong.eml"), info="2,F")  # opened, not seen
    adapter = channel(maildir)
    [item] = await polled(adapter)
    assert item.reference == "1764640701.M2P100.mx"
    await adapter.settle(item, [])
    assert (maildir / "cur" / "1764640701.M2P100.mx:2,FS").exists()  # the operator's flag is kept


async def test_a_message_over_max_bytes_is_set_aside_unread(maildir: Path) -> None:
    deliver(maildir, "1764640800.M1P100.mx", sample("iphone-photo-pdf.eml"))
    assert await polled(channel(maildir, max_bytes="1024")) == []
    note = (maildir / ".rejected" / "1764640800.M1P100.mx.error.txt").read_text("utf-8")
    assert "the limit is 1024" in note


async def test_settling_twice_or_after_another_poller_is_harmless(maildir: Path) -> None:
    adapter = channel(maildir)
    deliver(maildir, "1764640800.M1P100.mx", sample("gmail-english.eml"))
    [item] = await polled(adapter)
    await channel(maildir).settle(item, [])  # another replica got there first
    await adapter.settle(item, [])
    assert os.listdir(maildir / "cur") == ["1764640800.M1P100.mx:2,S"]


async def test_poll_reads_in_threads_and_leaves_the_loop_free(maildir: Path) -> None:
    for n in range(30):
        deliver(maildir, f"17646408{n:02d}.M{n}P100.mx", sample("iphone-photo-pdf.eml"))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        assert len(await polled(channel(maildir))) == 30
    finally:
        ticker.cancel()
    assert ticks >= 30  # the loop ran between the file reads and parses


async def test_poll_needs_its_settings(maildir: Path) -> None:
    with pytest.raises(ChannelError, match="TOUSU_CHANNEL_EMAIL_MAILDIR"):
        await polled(EmailChannel(ChannelConfig("email", {"account": "jx-mailbox"})))
    with pytest.raises(ChannelError, match="TOUSU_CHANNEL_EMAIL_ACCOUNT"):
        await polled(EmailChannel(ChannelConfig("email", {"maildir": str(maildir)})))
    with pytest.raises(ChannelError, match="cannot open the maildir"):
        await polled(channel(maildir / "missing"))


def test_settings_come_from_the_environment(maildir: Path) -> None:
    config = ChannelConfig.from_environment(
        "email", {"TOUSU_CHANNEL_EMAIL_MAILDIR": str(maildir), "TOUSU_CHANNEL_EMAIL_ACCOUNT": "jx-mailbox"}
    )
    assert EmailChannel(config).config.require("maildir") == str(maildir)


# --- replies ------------------------------------------------------------------------------
class Recorder:
    """An aiosmtpd handler that keeps what arrives, or answers RCPT with a fixed refusal."""

    def __init__(self, refuse_rcpt: str | None = None) -> None:
        self.refuse_rcpt = refuse_rcpt
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    yield from _server(Recorder())


@pytest.fixture
def refusing_smtp(request: pytest.FixtureRequest) -> Iterator[tuple[Recorder, int]]:
    yield from _server(Recorder(refuse_rcpt=request.param))


def _server(handler: Recorder) -> Iterator[tuple[Recorder, int]]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def sender(port: int) -> EmailChannel:
    return EmailChannel(
        ChannelConfig(
            "email",
            {
                "from_address": "锦绣兰亭物业 <tousu@jx-wuye.cn>",
                "smtp_host": "127.0.0.1",
                "smtp_port": str(port),
                "smtp_timeout": "5",
            },
        )
    )


def outbound(**changes: Any) -> Outbound:
    values: dict[str, Any] = {
        "message_id": "01JE0B5K8M2N4P6Q8R0S2T4V6X",
        "complaint_id": "01JDX7Q2W3E4R5T6Y7U8I9O0PA",
        "kind": "clarify",
        "text": "您好，为尽快处理您反映的楼道漏水问题，请补充以下情况：",
        "questions": ("漏水的具体位置（几楼楼道）？", "是否方便提供现场照片？"),
        "account": "jx-mailbox",
        "address": ContactDraft(email="wangkun1988@163.com", reply_to="wangkun1988@163.com"),
    }
    return Outbound.model_validate({**values, **changes})


def arrived(content: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(content)
    assert isinstance(message, EmailMessage)
    return message


async def test_a_reply_arrives_with_to_subject_and_numbered_questions(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    await sender(port).send(outbound())
    [(mail_from, rcpt_tos, content)] = recorder.received
    assert (mail_from, rcpt_tos) == ("tousu@jx-wuye.cn", ["wangkun1988@163.com"])
    message = arrived(content)
    assert message["To"] == "wangkun1988@163.com"
    assert message["From"].addresses[0].display_name == "锦绣兰亭物业"
    assert message["Subject"] == "[投诉编号 01JDX7Q2W3E4R5T6Y7U8I9O0PA] 需要您补充情况"
    assert message["Message-ID"] == "<tousu.01JE0B5K8M2N4P6Q8R0S2T4V6X@jx-wuye.cn>"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content() == (
        "您好，为尽快处理您反映的楼道漏水问题，请补充以下情况：\n\n"
        "1. 漏水的具体位置（几楼楼道）？\n2. 是否方便提供现场照片？\n"
    )


async def test_a_retried_reply_has_the_same_message_id(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    await sender(port).send(outbound())
    await sender(port).send(outbound())
    first, again = (arrived(content)["Message-ID"] for _, _, content in recorder.received)
    assert first == again


async def test_without_an_email_the_reply_address_is_used(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    await sender(port).send(
        outbound(kind="received", address=ContactDraft(reply_to="j.smith.work@example.com"))
    )
    [(_, rcpt_tos, content)] = recorder.received
    assert rcpt_tos == ["j.smith.work@example.com"]
    assert arrived(content)["Subject"] == "[投诉编号 01JDX7Q2W3E4R5T6Y7U8I9O0PA] 已收到您的投诉"


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("received", "已收到您的投诉"),
        ("rejected", "不予受理通知"),
        ("clarify", "需要您补充情况"),
        ("update", "投诉处理进展"),
        ("survey", "请评价投诉处理结果"),
    ],
)
def test_the_subject_says_what_kind_of_message_it_is(kind: str, subject: str) -> None:
    message = build_reply(outbound(kind=kind, questions=()), "tousu@jx-wuye.cn")
    assert message["Subject"] == f"[投诉编号 01JDX7Q2W3E4R5T6Y7U8I9O0PA] {subject}"
    assert message.get_content() == "您好，为尽快处理您反映的楼道漏水问题，请补充以下情况：\n"


@pytest.mark.parametrize(
    "refusing_smtp", ["550 5.1.1 <wangkun1988@163.com>: Recipient address rejected"], indirect=True
)
async def test_a_550_is_a_permanent_failure_that_names_no_one(refusing_smtp: tuple[Recorder, int]) -> None:
    _, port = refusing_smtp
    with pytest.raises(SendFailed) as exc:
        await sender(port).send(outbound())
    assert exc.value.transient is False
    assert "550" in str(exc.value) and "wangkun" not in str(exc.value)


@pytest.mark.parametrize("refusing_smtp", ["450 4.2.0 Mailbox busy, try later"], indirect=True)
async def test_a_450_is_worth_retrying(refusing_smtp: tuple[Recorder, int]) -> None:
    _, port = refusing_smtp
    with pytest.raises(SendFailed) as exc:
        await sender(port).send(outbound())
    assert exc.value.transient is True


async def test_a_closed_port_is_worth_retrying() -> None:
    with pytest.raises(SendFailed) as exc:
        await sender(free_port()).send(outbound())
    assert exc.value.transient is True


async def test_no_address_is_a_permanent_failure() -> None:
    with pytest.raises(SendFailed, match="no e-mail address") as exc:
        await sender(free_port()).send(outbound(address=ContactDraft(phone="13800138000")))
    assert exc.value.transient is False


async def test_sending_without_smtp_settings_is_permanent() -> None:
    adapter = EmailChannel(ChannelConfig("email", {"from_address": "tousu@jx-wuye.cn"}))
    with pytest.raises(SendFailed, match="TOUSU_CHANNEL_EMAIL_SMTP_HOST") as exc:
        await adapter.send(outbound())
    assert exc.value.transient is False


def test_a_reply_is_threaded_under_the_residents_mail() -> None:
    answer = build_reply(outbound(in_reply_to="202612021030113461527@163.com"), "tousu@jx-wuye.cn")
    assert answer["In-Reply-To"] == answer["References"] == "<202612021030113461527@163.com>"
    # a mail that had no Message-ID is known by its hash, which is no id to thread under
    unthreaded = build_reply(outbound(in_reply_to="sha256:0f1e2d3c"), "tousu@jx-wuye.cn")
    assert unthreaded["In-Reply-To"] is None and unthreaded["References"] is None
    assert build_reply(outbound(), "tousu@jx-wuye.cn")["In-Reply-To"] is None
