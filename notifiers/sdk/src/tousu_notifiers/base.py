"""The notifier a team writes, its settings, and the one error it may raise."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from tousu_notifiers.model import Notification


class NotifyFailed(Exception):
    """The notification was not delivered. ``transient``: trying again later may work (a
    timeout, a 5xx, a rate limit); otherwise it never will (no address, a 4xx refusal)."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass(frozen=True)
class NotifierConfig:
    """A notifier's settings: ``TOUSU_NOTIFIER_<NAME>_<KEY>`` environment variables, or given in tests."""

    name: str
    values: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, name: str, environ: Mapping[str, str] | None = None) -> NotifierConfig:
        prefix = f"TOUSU_NOTIFIER_{name.upper().replace('-', '_')}_"
        env = os.environ if environ is None else environ
        return cls(name, {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)})

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def require(self, key: str) -> str:
        value = self.values.get(key)
        if not value:
            variable = f"TOUSU_NOTIFIER_{self.name.upper().replace('-', '_')}_{key.upper()}"
            raise ValueError(f"notifier {self.name!r} needs {variable}")
        return value


class Notifier(ABC):
    """Base of every notifier: a name (its entry point) and :meth:`send`."""

    name: ClassVar[str]

    def __init__(self, config: NotifierConfig | None = None) -> None:
        self.config = config or NotifierConfig.from_environment(self.name)

    @abstractmethod
    async def send(self, notification: Notification) -> None:
        """Deliver it, or raise :class:`NotifyFailed`; anything else counts as transient."""
