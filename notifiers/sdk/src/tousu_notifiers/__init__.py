"""Tousu's notifier plugins: a notifier delivers one :class:`Notification` to a person (a
resident's SMS, a staff member's e-mail, a webhook, a WeChat template message). Tousu calls
it from a delivery outbox, with retries, so each notification is delivered once; a
notifier raises :class:`NotifyFailed` saying whether trying again could help."""

from tousu_notifiers.base import Notifier, NotifierConfig, NotifyFailed
from tousu_notifiers.model import Notification, Recipient
from tousu_notifiers.registry import ENTRY_POINT_GROUP, available_notifiers, load_notifier

__all__ = [
    "ENTRY_POINT_GROUP",
    "Notification",
    "Notifier",
    "NotifierConfig",
    "NotifyFailed",
    "Recipient",
    "available_notifiers",
    "load_notifier",
]
