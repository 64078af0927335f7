"""Turning what mail clients send into plain text: charsets, encoded words, HTML, quoted replies.

Chinese mail is often mislabelled (GBK text declared as gb2312 or utf-8, or no charset
at all), so every decode falls back instead of failing: a complaint must never be lost
because a client got its headers wrong.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from html.parser import HTMLParser

# Decode with the superset a client almost certainly meant: Chinese clients declare
# gb2312 but send GBK/GB18030 characters, Hong Kong clients declare big5 but use HKSCS.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "windows-936": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "cn-big5": "big5hkscs",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}
# Names that say "no idea": treat as missing.
_UNKNOWN = {"", "unknown", "unknown-8bit", "x-unknown", "default", "charset"}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from ``data`` in its declared charset, else gb18030, else utf-8 with replacement.

    Without a declared charset utf-8 is tried first: it is self-checking (GBK text almost
    never decodes as valid utf-8, while utf-8 text often decodes as nonsense GBK).
    """
    for candidate in _candidates(charset):
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _candidates(charset: str | None) -> list[str]:
    name = (charset or "").strip().strip("\"'").lower().split("*")[0]
    declared = None if name in _UNKNOWN else _SUPERSETS.get(name, name)
    if declared is None or not _known(declared):  # an unknown name tells nothing: as if missing
        return ["utf-8", "gb18030"]
    if declared == "big5hkscs":
        return ["big5hkscs", "cp950", "gb18030", "utf-8"]
    return [declared, "gb18030", "utf-8"]


def _known(charset: str) -> bool:
    try:
        codecs.lookup(charset)
    except LookupError:
        return False
    return True


def unescape_8bit(value: str) -> str:
    """Raw 8-bit header bytes (kept by the parser as surrogate escapes) decoded as text."""
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value  # already real text
    return decode_bytes(data, None)


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def decode_header_text(raw: str) -> str:
    """A header's text with RFC 2047 encoded words (=?GBK?B?…?=) decoded, with charset fallbacks.

    Adjacent encoded words in one charset are joined as bytes before decoding: some
    clients split a multi-byte character across two words.
    """
    text = re.sub(r"\r?\n[ \t]+", " ", unescape_8bit(raw)).replace("\r", "").replace("\n", " ")
    out: list[str] = []
    run: list[bytes] = []
    run_charset: str | None = None
    pos = 0
    for match in _ENCODED_WORD.finditer(text):
        gap = text[pos : match.start()]
        # whitespace between two encoded words is not text (RFC 2047 6.2)
        adjacent = bool(run) and not gap.strip()
        if run and (not adjacent or match.group(1).lower() != (run_charset or "").lower()):
            out.append(decode_bytes(b"".join(run), run_charset))
            run = []
        if not adjacent:
            out.append(gap)
        run.append(_word_bytes(match.group(2), match.group(3)))
        run_charset = match.group(1)
        pos = match.end()
    if run:
        out.append(decode_bytes(b"".join(run), run_charset))
    out.append(text[pos:])
    return clean_line("".join(out))


def _word_bytes(encoding: str, payload: str) -> bytes:
    data = payload.encode("ascii", "replace")
    if encoding in "bB":
        try:
            return base64.b64decode(data + b"=" * (-len(data) % 4), validate=True)
        except (binascii.Error, ValueError):
            return data
    return binascii.a2b_qp(data, header=True)


def clean_line(value: str) -> str:
    """One line of text: no control characters, single spaces."""
    return re.sub(r"\s+", " ", _CONTROL.sub("", value)).strip()


class _HtmlText(HTMLParser):
    """The readable text of an HTML mail: blocks become lines, scripts and styles are dropped."""

    _SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "xml"})
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "hr", "section"}
        | {"article", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCK:  # <br/>: a line break, never the start of a skipped section
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))  # HTML whitespace collapses


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:  # the stdlib parser asserts on some broken markup; keep what it read
        pass
    return tidy("".join(parser.parts))


def tidy(text: str) -> str:
    """Line ends unified, no control characters, no trailing spaces, at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = _CONTROL.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- quoted replies ---------------------------------------------------------------------
# English clients: On Mon, 1 Dec 2026 at 10:00, Zhang San <…> wrote: (Gmail wraps it in two lines)
_ON_WROTE = re.compile(r"^(?=.*\d)on\b.{0,250}\bwrote\s*:$", re.IGNORECASE)
_SEPARATORS = [
    # Outlook, Foxmail, QQ Mail, NetEase and the like: a dashed title line
    re.compile(
        r"^[-_=\s]{2,}\s*(original message|original|原始邮件|邮件原件|原邮件|回复的原邮件)\s*[-_=\s]{2,}$",
        re.IGNORECASE,
    ),
    # Apple Mail, Gmail, NetEase in Chinese: 在 2026年12月1日 …写道： / 张三 于2026年12月1日 写道：
    re.compile(r"^(?=.*\d)(在|.{0,120}于).{0,200}写道\s*[:：]$"),
    _ON_WROTE,
]
# Outlook's plain-text quote starts with a header block: From: … / Sent: …
_HEADER_FROM = re.compile(r"^\*?(from|发件人)\*?\s*[:：]", re.IGNORECASE)
_HEADER_SENT = re.compile(r"^\*?(sent|date|发送时间|时间|日期)\*?\s*[:：]", re.IGNORECASE)
_RULE = re.compile(r"^[-_=*\s]{5,}$")
_QUOTED = re.compile(r"^\s*[>＞]")
# the line a phone's mail app adds at the end: not the complainant's words
_CLIENT_FOOTER = re.compile(
    r"^(发自我的\S{1,20}|发自\S{0,10}(邮箱|邮件|客户端)|sent from my \S.{0,30}|sent from \S+ for \S.{0,20}"
    r"|get outlook for \S.{0,20})$",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The complainant's own words: quoted lines and everything after a reply header removed."""
    lines = text.split("\n")
    cut = _reply_start(lines)
    own = [line for line in lines[:cut] if not _QUOTED.match(line)]
    while own and (not own[-1].strip() or _RULE.match(own[-1]) or _CLIENT_FOOTER.match(own[-1].strip())):
        own.pop()  # the rule Outlook draws above the quote, "发自我的iPhone", blank lines
    return tidy("\n".join(own))


def _reply_start(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        stripped = line.strip()
        joined = f"{stripped} {lines[i + 1].strip()}" if i + 1 < len(lines) else stripped
        if any(p.match(stripped) for p in _SEPARATORS) or _ON_WROTE.match(joined):
            return i
        if _HEADER_FROM.match(stripped) and any(_HEADER_SENT.match(n.strip()) for n in lines[i + 1 : i + 5]):
            return i
    return len(lines)
