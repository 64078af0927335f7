"""One raw RFC 5322 message → one :class:`ComplaintDraft`.

Headers are read from their raw values and decoded here (not by the stdlib's header
registry) so that a mislabelled charset falls back instead of turning into ``�``.
"""

from __future__ import annotations

import email.errors
import email.policy
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parseaddr

from pydantic import ValidationError

from tousu_channel_email.text import (
    clean_line,
    decode_bytes,
    decode_header_text,
    html_to_text,
    strip_quoted,
    tidy,
    unescape_8bit,
)
from tousu_channels import BadMessage, ComplaintDraft, ContactDraft, Evidence
from tousu_channels.validation import describe_validation_error
from tousu_shared.contracts.events import Channel
from tousu_shared.pii import PHONE_PATTERN

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: deeper MIME nesting than this is an attack or a loop, not a resident's mail
MAX_DEPTH = 12

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_MESSAGE_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
# [jx-lanting] 楼道漏水: a lower-case estate id in square brackets in the subject
_ESTATE_TAG = re.compile(r"\[([a-z0-9](?:[a-z0-9_.-]{0,62}[a-z0-9])?)\]")
# 139 1234 5678 / 186-2000-1234: how people write their number, which PHONE_PATTERN misses
_GROUPED_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]\d{4}[- ]\d{4}(?!\d)")
# The stdlib parser can raise these on hostile input; an unreadable mail is a BadMessage.
_PARSER_ERRORS = (
    email.errors.MessageError,
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
    UnicodeError,
    AssertionError,
    RecursionError,  # thousands of nested parts
)


def parse_message(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ComplaintDraft:
    """Read one e-mail as a complaint. Raises :class:`BadMessage` (never anything else) if it is not one."""
    if len(raw) > max_bytes:
        raise BadMessage(f"the message is {len(raw)} bytes; the limit is {max_bytes}")
    if not raw.strip():
        raise BadMessage("not an e-mail: the message is empty")
    try:
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
        return _draft(raw, message)
    except ValidationError as exc:
        raise BadMessage(
            f"the message gives an invalid complaint: {describe_validation_error(exc)}"
        ) from None
    except BadMessage:
        raise
    except _PARSER_ERRORS as exc:
        raise BadMessage(f"the message cannot be read as an e-mail ({type(exc).__name__})") from None


def _draft(raw: bytes, message: EmailMessage) -> ComplaintDraft:
    headers = _Headers(message)
    if _is_automatic(headers, message):
        raise BadMessage("an automatic reply or delivery report, not a complaint")
    name, address, reply_to = _sender(headers)
    subject = headers.text("subject")
    estate_id, subject = _estate_tag(subject)
    content = _Content()
    content.walk(message, depth=0)
    body = tidy("\n\n".join(t for t in content.texts if t))
    if not body and not content.evidence:
        raise BadMessage("not an e-mail: it has no body and no attachment")
    own = strip_quoted(body) or body  # a bare forward has no words of its own: keep what it carries
    text = "\n\n".join(part for part in (subject, own) if part)
    if not text:
        raise BadMessage("the message has no text: neither a subject nor a body")
    return ComplaintDraft(
        source_message_id=_message_id(headers.raw("message-id"), raw),
        channel=Channel.email,
        text=text,
        estate_id=estate_id,
        contact=ContactDraft(
            name=name, email=address, reply_to=reply_to, phone=_mobile(own) or _mobile(subject)
        ),
        evidence=tuple(content.evidence),
    )


# --- headers ----------------------------------------------------------------------------
class _Headers:
    """The message's headers as sent: first value of each name, not yet decoded."""

    def __init__(self, message: Message) -> None:
        self._values: dict[str, str] = {}
        for name, value in message.raw_items():
            self._values.setdefault(name.strip().lower(), str(value))

    def raw(self, name: str) -> str | None:
        return self._values.get(name)

    def text(self, name: str) -> str:
        value = self._values.get(name)
        return decode_header_text(value) if value else ""


def _sender(headers: _Headers) -> tuple[str | None, str, str]:
    """(name, address, reply address) of whoever sent the mail."""
    raw_from = headers.raw("from")
    if raw_from is None:
        raise BadMessage("not an e-mail: it has no From header")
    name, address = _address(raw_from)
    if address is None:
        raise BadMessage("the From header holds no e-mail address")
    raw_reply_to = headers.raw("reply-to")
    reply_to = _address(raw_reply_to)[1] if raw_reply_to else None
    return name, address, reply_to or address


def _address(raw: str) -> tuple[str | None, str | None]:
    """(display name, address) of the first mailbox in an address header."""
    name, address = parseaddr(re.sub(r"\r?\n[ \t]+", " ", unescape_8bit(raw)))
    address = clean_line(address)
    if not (_EMAIL.match(address) and len(address) <= 254):
        return None, None
    decoded = decode_header_text(name).strip("\"' ")
    if not decoded or decoded.lower() == address.lower():
        return None, address
    return decoded[:50], address


def _is_automatic(headers: _Headers, message: Message) -> bool:
    """Auto-replies and bounces (RFC 3834, RFC 3464) must not become complaints: answering
    them would start a mail loop with the complainant's vacation notice or a mailer daemon."""
    auto = (headers.raw("auto-submitted") or "no").strip().lower()
    return (
        not auto.startswith("no")
        or headers.raw("x-autoreply") is not None
        or headers.raw("x-autorespond") is not None
        or (headers.raw("return-path") or "").strip() == "<>"
        or message.get_content_type() == "multipart/report"
    )


def _message_id(raw: str | None, message: bytes) -> str:
    """The Message-ID without <>; without one, the file's hash: the same file, the same complaint."""
    value = re.sub(r"\s+", "", raw or "")
    found = re.search(r"<([^<>]+)>", value)
    value = (found.group(1) if found else value).strip("<>")
    if value and _MESSAGE_ID.match(value):
        return value
    if value:  # too long or not printable: still stable, still this message's id
        return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return "sha256:" + hashlib.sha256(message).hexdigest()[:40]


def _estate_tag(subject: str) -> tuple[str | None, str]:
    """The estate named in the subject's [tag], and the subject without it."""
    found = _ESTATE_TAG.search(subject)
    if found is None:
        return None, subject
    return found.group(1), clean_line(subject[: found.start()] + " " + subject[found.end() :])


def _mobile(text: str) -> str | None:
    """The first mainland mobile number (11 digits from 1), without +86 and separators."""
    found = [*PHONE_PATTERN.finditer(text), *_GROUPED_MOBILE.finditer(text)]
    for match in sorted(found, key=lambda m: m.start()):
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        if len(digits) == 11 and digits.startswith("1"):
            return digits
    return None


# --- body and attachments ----------------------------------------------------------------
@dataclass
class _Content:
    """What a walk over the MIME tree found: body texts in order, and the attachments."""

    texts: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def walk(self, part: Message, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise BadMessage(f"the message nests MIME parts more than {MAX_DEPTH} deep")
        ctype = part.get_content_type()
        if ctype == "message/rfc822" or _is_attachment(part):
            self._attach(part)
        elif part.is_multipart():
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            if ctype == "multipart/alternative":
                self._alternative(children, depth)
            else:
                for child in children:
                    self.walk(child, depth + 1)
        elif ctype in ("text/plain", "text/html"):
            self.texts.append(_body_text(part))
        elif not ctype.startswith("multipart/"):
            self._attach(part)  # an inline image or document without a file name

    def _alternative(self, children: list[Message], depth: int) -> None:
        """The text/plain version if there is one; pictures of the other versions are kept too."""
        plain = [c for c in children if c.get_content_type() == "text/plain" and not _is_attachment(c)]
        chosen = plain[0] if plain else (children[-1] if children else None)  # last = richest (RFC 2046)
        for child in children:
            if child is chosen:
                self.walk(child, depth + 1)
            else:
                self._pictures_only(child, depth + 1)

    def _pictures_only(self, part: Message, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise BadMessage(f"the message nests MIME parts more than {MAX_DEPTH} deep")
        if part.is_multipart() and part.get_content_type() != "message/rfc822":
            for child in part.get_payload():
                if isinstance(child, Message):
                    self._pictures_only(child, depth + 1)
        elif not part.get_content_type().startswith(("text/", "multipart/")):
            self._attach(part)

    def _attach(self, part: Message) -> None:
        data = _part_bytes(part)
        if not data:
            return  # an empty attachment shows nothing
        ctype = part.get_content_type()
        self.evidence.append(
            Evidence(
                filename=_filename(part, ctype, len(self.evidence) + 1),
                content_type=ctype if len(ctype) <= 100 else "application/octet-stream",
                data=data,
            )
        )


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or part.get_filename() is not None


def _body_text(part: Message) -> str:
    text = decode_bytes(_part_bytes(part), part.get_content_charset())
    return html_to_text(text) if part.get_content_type() == "text/html" else tidy(text)


def _part_bytes(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        return inner.as_bytes(policy=email.policy.default) if isinstance(inner, Message) else b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _filename(part: Message, ctype: str, number: int) -> str:
    """The attachment's own name, decoded and without any path; else attachment-<n>.<ext>."""
    name = part.get_filename() or ""
    name = decode_header_text(name) if "=?" in name else clean_line(unescape_8bit(name))
    name = name.encode("utf-8", "replace").decode("utf-8")  # no lone surrogates left
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip(" .")
    if not name:
        extension = ".eml" if ctype == "message/rfc822" else mimetypes.guess_extension(ctype) or ".bin"
        name = f"attachment-{number}{extension}"
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:20] if dot else ""
        name = (stem if dot else name)[: 199 - len(extension)] + (f".{extension}" if extension else "")
    return name
