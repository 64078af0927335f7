"""Reading the XML WeChat pushes to the developer URL (plaintext mode, 明文模式).

Every message is one flat ``<xml>`` element whose children are the fields
(ToUserName, FromUserName, CreateTime, MsgType, then the type's own). The body comes
from the internet, so it is parsed with defusedxml and a DTD, entity or external
reference is refused outright: WeChat never sends one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from tousu_channels import BadMessage

#: far above anything WeChat sends (a text message is a few KiB); refused before parsing
MAX_BODY_BYTES = 64 * 1024
#: WeChat's MsgId is a 64-bit number; allow any short ASCII id so the key stays below 128
_MSG_ID = re.compile(r"^[\w-]{1,120}$", re.ASCII)
_REQUIRED = ("ToUserName", "FromUserName", "MsgType")


@dataclass(frozen=True)
class WeChatMessage:
    """One pushed message or event: its fields by element name, text stripped."""

    fields: dict[str, str] = field(default_factory=dict)

    @property
    def account_id(self) -> str:
        """The official account's own id (gh_…): the sender of a passive reply."""
        return self.fields["ToUserName"]

    @property
    def openid(self) -> str:
        """The resident, as this official account knows them."""
        return self.fields["FromUserName"]

    @property
    def msg_type(self) -> str:
        return self.fields["MsgType"].lower()

    @property
    def event(self) -> str | None:
        """The event's name, lower case (subscribe, unsubscribe, click …); None for messages."""
        if self.msg_type != "event":
            return None
        return self.fields.get("Event", "").lower() or None

    def get(self, name: str) -> str | None:
        return self.fields.get(name) or None

    def msg_id(self) -> str:
        """The id WeChat keeps across its retries of one delivery."""
        value = self.get("MsgId")
        if value is None:
            raise BadMessage(f"a {self.msg_type} message needs MsgId")
        if not _MSG_ID.match(value):
            raise BadMessage("MsgId is not a WeChat message id")
        return value


def read_message(body: bytes) -> WeChatMessage:
    """Parse and check one pushed body; :class:`BadMessage` for anything unreadable."""
    if len(body) > MAX_BODY_BYTES:
        raise BadMessage(f"the body is {len(body)} bytes; a WeChat message is at most {MAX_BODY_BYTES}")
    if not body.strip():
        raise BadMessage("the body is empty; WeChat pushes an XML message")
    root = _parse_xml(body)
    if root.tag != "xml":
        raise BadMessage("the root element is not <xml>")
    fields = _flat_fields(root)
    _check_required(fields)
    return WeChatMessage(fields)


def _parse_xml(body: bytes) -> Element:
    try:
        return SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise BadMessage("the XML declares a DTD or entities; WeChat never does") from None
    except (ParseError, ValueError, LookupError) as exc:
        # LookupError: an encoding declaration names a codec Python does not know.
        raise BadMessage(f"the body is not well-formed XML: {type(exc).__name__}") from None


def _flat_fields(root: Element) -> dict[str, str]:
    fields: dict[str, str] = {}
    for child in root:
        # Nested elements (an event's ScanCodeInfo …) carry nothing a complaint needs.
        if isinstance(child.tag, str) and len(child) == 0:
            fields.setdefault(child.tag, (child.text or "").strip())
    return fields


def _check_required(fields: dict[str, str]) -> None:
    if "Encrypt" in fields and not fields.get("MsgType"):
        # 安全模式 sends only ToUserName and Encrypt: a setting to change, not a bad message.
        raise BadMessage("the message is encrypted (安全模式); set the account to 明文模式 or 兼容模式")
    missing = [name for name in _REQUIRED if not fields.get(name)]
    if missing:
        raise BadMessage(f"the message has no {', '.join(missing)}")
