"""The webhook notifier: each notification is one JSON POST to the recipient's webhook URL
(else ``TOUSU_NOTIFIER_WEBHOOK_URL``), with ``Idempotency-Key: <notification_id>`` so the
receiver drops a retry, and ``X-Tousu-Signature: sha256=<HMAC of the body>`` when
``TOUSU_NOTIFIER_WEBHOOK_SECRET`` is set. A 2xx is delivered; 408, 429, 5xx and network
errors are transient; any other answer is a refusal that trying again will not change."""

from __future__ import annotations

import hashlib
import hmac

import httpx

from tousu_notifiers import Notification, Notifier, NotifyFailed

_TRANSIENT_STATUS = {408, 425, 429}


class WebhookNotifier(Notifier):
    name = "webhook"

    async def send(self, notification: Notification) -> None:
        url = notification.recipient.webhook_url or self.config.get("url")
        if not url:
            raise NotifyFailed(
                "no webhook URL for this recipient, and no TOUSU_NOTIFIER_WEBHOOK_URL", transient=False
            )
        body = notification.model_dump_json().encode()
        headers = {"content-type": "application/json", "idempotency-key": notification.notification_id}
        secret = self.config.get("secret")
        if secret:
            digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            headers["x-tousu-signature"] = f"sha256={digest}"
        timeout = self.config.seconds("timeout_seconds", 10)
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                answer = await client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise NotifyFailed(f"{type(exc).__name__} posting to the webhook", transient=True) from None
        if answer.is_success:
            return
        transient = answer.status_code >= 500 or answer.status_code in _TRANSIENT_STATUS
        raise NotifyFailed(f"the webhook answered {answer.status_code}", transient=transient)
