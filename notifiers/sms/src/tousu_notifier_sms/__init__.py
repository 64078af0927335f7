"""The SMS notifier: each notification is one JSON POST to an HTTP SMS gateway
(``TOUSU_NOTIFIER_SMS_URL``), the shape most Chinese gateways take::

    {"phone": "13800000000", "text": "【某物业】<text>", "template": "<id>",
     "params": {<the notification's str and int data>}, "client_msg_id": "<notification_id>"}

with ``Authorization: Bearer <TOUSU_NOTIFIER_SMS_API_KEY>`` when set. The text starts with
the signature (签名, ``…_SIGN_NAME``, e.g. 【锦绣物业】) that Chinese carriers require;
``template`` (``…_TEMPLATE``) is sent only when set. ``client_msg_id`` (also sent as
``Idempotency-Key``) is the notification id, so the gateway drops the resend that follows a
crash between its answer and Tousu's commit.

A 2xx answer is delivered unless its JSON ``code`` is an error: ``0``/``"OK"`` (or no
code) is delivered; a rate-limit code (``RATE_LIMITED``, or those listed comma-separated
in ``…_TRANSIENT_CODES``) is transient; any other code is a refusal. 408, 425, 429, 5xx and
network errors are transient; any other answer is a refusal. No phone number is a refusal.

The phone number is personal data: it appears in no exception text (which the delivery
loop logs), and numbers in the gateway's own message are masked (``138****0000``).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tousu_notifiers import Notification, Notifier, NotifierConfig, NotifyFailed

_TRANSIENT_STATUS = {408, 425, 429}
_OK_CODES = {"0", "ok"}
_DEFAULT_TRANSIENT_CODES = "RATE_LIMITED"
#: a run of digits long enough to be a phone number, perhaps with +, spaces or dashes
_DIGITS = re.compile(r"\+?\d[\d \-]{5,}\d")


class SmsNotifier(Notifier):
    name = "sms"

    def __init__(self, config: NotifierConfig | None = None) -> None:
        super().__init__(config)
        # Settings errors stop the service at start (load_notifier), not at the first escalation.
        self._url = self.config.require("url")
        self._timeout = self.config.seconds("timeout_seconds", 10)
        codes = self.config.get("transient_codes") or _DEFAULT_TRANSIENT_CODES
        self._transient_codes = {c.strip().upper() for c in codes.split(",") if c.strip()}

    async def send(self, notification: Notification) -> None:
        phone = (notification.recipient.phone or "").strip()
        if not phone:
            raise NotifyFailed("the recipient has no phone number", transient=False)
        body: dict[str, Any] = {
            "phone": phone,
            "text": (self.config.get("sign_name") or "") + notification.text,
            "params": {
                k: v
                for k, v in notification.data.items()
                if isinstance(v, str | int) and not isinstance(v, bool)
            },
            "client_msg_id": notification.notification_id,
        }
        template = self.config.get("template")
        if template:
            body["template"] = template
        headers = {"idempotency-key": notification.notification_id}
        api_key = self.config.get("api_key")
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                answer = await client.post(self._url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise NotifyFailed(f"{type(exc).__name__} posting to the SMS gateway", transient=True) from None
        code, message = _code_and_message(answer)
        said = f" (code {code}{': ' + _scrub(message, phone) if message else ''})" if code else ""
        if not answer.is_success:
            transient = answer.status_code >= 500 or answer.status_code in _TRANSIENT_STATUS
            raise NotifyFailed(f"the SMS gateway answered {answer.status_code}{said}", transient=transient)
        if code is None or code.lower() in _OK_CODES:
            return
        if code.upper() in self._transient_codes:
            raise NotifyFailed(f"the SMS gateway is limiting the rate{said}", transient=True)
        raise NotifyFailed(f"the SMS gateway refused the message{said}", transient=False)


def _code_and_message(answer: httpx.Response) -> tuple[str | None, str | None]:
    """The gateway's ``code`` and ``message`` (or ``msg``), when it answered a JSON object."""
    try:
        data = answer.json()
    except ValueError:
        return None, None
    if not isinstance(data, dict) or data.get("code") is None:
        return None, None
    message = data.get("message", data.get("msg"))
    return str(data["code"]), str(message)[:200] if message else None


def mask_phone(phone: str) -> str:
    """``13800000000`` → ``138****0000``; a short number is masked whole."""
    digits = re.sub(r"\D", "", phone)
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****"


def _scrub(text: str, phone: str) -> str:
    """The gateway's message with the recipient's number, and anything like a number, masked."""
    return _DIGITS.sub(lambda m: mask_phone(m.group()), text.replace(phone, mask_phone(phone)))
