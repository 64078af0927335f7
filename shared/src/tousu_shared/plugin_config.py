"""A plugin's settings (a channel adapter's, a notifier's): ``TOUSU_<KIND>_<NAME>_<KEY>``
environment variables, or values given in tests."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, NoReturn, Self


@dataclass(frozen=True)
class PluginConfig:
    #: the variables' prefix after ``TOUSU_``: ``CHANNEL``, ``NOTIFIER``
    kind: ClassVar[str] = "PLUGIN"

    name: str
    values: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, name: str, environ: Mapping[str, str] | None = None) -> Self:
        prefix = cls.variable(name, "")
        env = os.environ if environ is None else environ
        return cls(name, {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)})

    @classmethod
    def variable(cls, name: str, key: str) -> str:
        return f"TOUSU_{cls.kind}_{name.upper().replace('-', '_')}_{key.upper()}"

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def require(self, key: str) -> str:
        value = self.values.get(key)
        if not value:
            self.missing(self.variable(self.name, key))
        return value

    def missing(self, variable: str) -> NoReturn:
        raise ValueError(f"{self.kind.lower()} {self.name!r} needs the setting {variable}")

    def seconds(self, key: str, default: float) -> float:
        """A positive number of seconds (a timeout); anything else names its variable."""
        raw = self.values.get(key) or str(default)
        try:
            value = float(raw)
        except ValueError:
            value = 0.0
        if not value > 0:
            raise ValueError(
                f"{self.variable(self.name, key)} must be a positive number of seconds, not {raw!r}"
            )
        return value
