"""The SMS notifier (being written)."""

from __future__ import annotations

from tousu_notifiers import Notification, Notifier, NotifyFailed


class SmsNotifier(Notifier):
    name = "sms"

    async def send(self, notification: Notification) -> None:
        raise NotifyFailed("the SMS notifier is not written yet", transient=False)
