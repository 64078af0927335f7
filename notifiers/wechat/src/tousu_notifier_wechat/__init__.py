"""The WeChat template notifier (being written)."""

from __future__ import annotations

from tousu_notifiers import Notification, Notifier, NotifyFailed


class WechatNotifier(Notifier):
    name = "wechat"

    async def send(self, notification: Notification) -> None:
        raise NotifyFailed("the WeChat template notifier is not written yet", transient=False)
