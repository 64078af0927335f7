"""The notifier a team writes, its settings, and the one error it may raise."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from tousu_notifiers.model import Notification
from tousu_shared.plugin_config import PluginConfig


class NotifyFailed(Exception):
    """The notification was not delivered. ``transient``: trying again later may work (a
    timeout, a 5xx, a rate limit); otherwise it never will (no address, a 4xx refusal)."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass(frozen=True)
class NotifierConfig(PluginConfig):
    """A notifier's settings: ``TOUSU_NOTIFIER_<NAME>_<KEY>`` environment variables, or given in tests."""

    kind: ClassVar[str] = "NOTIFIER"


class Notifier(ABC):
    """Base of every notifier: a name (its entry point) and :meth:`send`."""

    name: ClassVar[str]

    def __init__(self, config: NotifierConfig | None = None) -> None:
        self.config = config or NotifierConfig.from_environment(self.name)

    @abstractmethod
    async def send(self, notification: Notification) -> None:
        """Deliver it, or raise :class:`NotifyFailed`; anything else counts as transient."""
