"""What a check reports: one line per problem, ``<overlay>/<kind>/<name>: <what is wrong>``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Violation:
    overlay: str
    kind: str
    name: str
    message: str

    def __str__(self) -> str:
        return f"{self.overlay}/{self.kind}/{self.name}: {self.message}"


def about(overlay: str, obj: dict[str, Any], message: str) -> Violation:
    meta = obj.get("metadata") or {}
    return Violation(overlay, str(obj.get("kind", "?")), str(meta.get("name", "?")), message)
