"""Topic names. One service writes each topic; every topic ``t`` has a ``t.dlq``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topics:
    """Topic names under an optional prefix (tests and shared clusters use one)."""

    prefix: str = ""

    def received(self, regime: str) -> str:
        return f"{self.prefix}complaints.received.{regime}"

    @property
    def triaged(self) -> str:
        return f"{self.prefix}complaints.triaged"

    @property
    def workorders(self) -> str:
        return f"{self.prefix}workorders.events"

    @property
    def sla(self) -> str:
        return f"{self.prefix}sla.events"

    @property
    def callbacks(self) -> str:
        return f"{self.prefix}callbacks.events"

    @property
    def archive(self) -> str:
        return f"{self.prefix}archive.events"

    def audit(self, service: str) -> str:
        """Who did what and who saw which personal data, per acting service; read by archive."""
        return f"{self.prefix}audit.{service}"

    def outbound(self, channel: str) -> str:
        """Messages for complainants, per channel adapter; written by intake, read by its host."""
        return f"{self.prefix}channels.outbound.{channel}"

    @staticmethod
    def dlq(topic: str) -> str:
        return f"{topic}.dlq"

    def all_for(self, regimes: list[str]) -> list[str]:
        fixed = [self.triaged, self.workorders, self.sla, self.callbacks, self.archive]
        return [self.received(r) for r in regimes] + fixed
